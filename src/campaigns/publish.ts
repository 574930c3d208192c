import { z } from "zod";
import { elementDef, OUTCOMES, type CampaignDocument, type Lang } from "../model/index.js";
import { campaignFindings, hasErrorFindings, type CampaignFinding } from "./findings.js";
import type { ServerContext } from "../server/context.js";
import { ApiError, badRequest, type ProblemDetail } from "../server/errors.js";
import type { CampaignRecord, CampaignState } from "../store/store.js";
import { changeCampaign, invalidCampaign, invalidTransition, projectConfig } from "./campaign-service.js";
import { isLive } from "./lifecycle.js";
import { CampaignVersions } from "./versions.js";

/** Where the contacts of a removed element go: an element of the new version, or an end with that outcome. */
export const MigrationTarget = z.string().min(1).max(100)
  .describe('an element id of the new version (not a trigger or a note), or "end:success", "end:abandon", "end:failure", "end:neutral"');
export const Migrations = z.record(z.string().min(1).max(100), MigrationTarget)
  .describe("for each removed (or retyped) element that holds contacts, where they go");

/** An element of the live version that the new one drops (or retypes) while contacts are at it. */
export interface StrandedElement {
  element: string;
  /** Its type in the live version (null when no version knows it). */
  type: string | null;
  /** Contacts at it: ready, waiting or held. */
  waiting: number;
}

export interface Published {
  record: CampaignRecord;
  /** The new version's number; the live one when nothing changed. */
  version: number;
  /** What each migration did. */
  migrated: { element: string; to: string; contacts: number }[];
  findings: CampaignFinding[];
}

const END_PREFIX = "end:";
const types = (doc: CampaignDocument) => new Map(doc.elements.map((e) => [e.id, e.type]));

/** Variant keys of a split element's parameters (empty when they are not a list of variants). */
function variantKeys(params: Record<string, unknown> | undefined): Set<string> {
  const variants = params?.variants;
  return new Set(Array.isArray(variants) ? variants.map((v) => (v as { key?: unknown })?.key).filter((k): k is string => typeof k === "string") : []);
}

/** Checks the migration targets against the new document: 400 with one problem per bad target. */
function checkTargets(migrations: Record<string, string>, next: CampaignDocument): void {
  const problems: ProblemDetail[] = [];
  const byId = new Map(next.elements.map((e) => [e.id, e]));
  for (const [from, to] of Object.entries(migrations)) {
    const path = `body.migrations.${from}`;
    if (to.startsWith(END_PREFIX)) {
      if (!(OUTCOMES as readonly string[]).includes(to.slice(END_PREFIX.length))) problems.push({ path, message: `${to} is not an end: use end:success, end:abandon, end:failure or end:neutral` });
      continue;
    }
    const target = byId.get(to);
    const family = target ? elementDef(target.type)?.family : undefined;
    if (!target) problems.push({ path, message: `the new version has no element ${to}` });
    else if (family === "trigger" || family === "utility") problems.push({ path, message: `contacts cannot be moved to ${to}: it is a ${family === "trigger" ? "trigger" : "note"}` });
  }
  if (problems.length) throw badRequest(`invalid migrations: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
}

/**
 * The element state of the new version: winners of A/X elements that are gone, retyped, or whose
 * winner is no longer one of their variants are forgotten (their held contacts wait for a new
 * winner), and so are first arrivals of A/X tests that are gone. Returns null when nothing changes.
 */
function nextState(state: CampaignState, live: CampaignDocument, next: CampaignDocument): { state: CampaignState; rearm: string[] } | null {
  const before = types(live);
  const after = new Map(next.elements.map((e) => [e.id, e]));
  const kept = (id: string) => before.get(id) !== undefined && after.get(id)?.type === before.get(id);
  const winners = Object.fromEntries(Object.entries(state.winners ?? {}).filter(([id, variant]) => kept(id) && variantKeys(after.get(id)!.params).has(variant)));
  const firstArrival = Object.fromEntries(Object.entries(state.firstArrival ?? {}).filter(([id]) => kept(id)));
  const dropped = Object.keys(state.winners ?? {}).filter((id) => !(id in winners));
  if (dropped.length === 0 && Object.keys(firstArrival).length === Object.keys(state.firstArrival ?? {}).length) return null;
  // An automatic A/X test whose chosen winner is gone has had its time: choose again at once.
  const rearm = dropped.filter((id) => kept(id) && after.get(id)!.type === "split.axTest" && (after.get(id)!.params.winner as { mode?: string } | undefined)?.mode === "auto");
  const out: CampaignState = { ...state, winners, firstArrival };
  return { state: out, rearm };
}

/**
 * The stranded elements in an order where each is emptied before contacts are moved into it
 * (A → X with X itself stranded: X's own contacts go first), so no contact migrates twice.
 * Migrations that form a loop (A → B and B → A) have no such order: 400.
 */
function migrationOrder(stranded: StrandedElement[], migrations: Record<string, string>): StrandedElement[] {
  const out: StrandedElement[] = [];
  const left = new Map(stranded.map((s) => [s.element, s]));
  while (left.size) {
    const ready = [...left.values()].find((s) => {
      const to = migrations[s.element];
      return to === s.element || !left.has(to);
    });
    if (!ready) {
      const loop = [...left.keys()];
      throw badRequest(`migrations form a loop between elements that hold contacts (${loop.map((id) => `${id} → ${migrations[id]}`).join(", ")}): move them in two versions`,
        loop.map((id) => ({ path: `body.migrations.${id}`, message: "part of a loop" })));
    }
    out.push(ready);
    left.delete(ready.element);
  }
  return out;
}

/**
 * Publishes `next` as the new version of a live (active or paused) campaign, in ONE transaction:
 * contacts at elements that keep their id and type stay there; those at elements the new version
 * drops or retypes go where `migrations` says (ready at once at an element, or ended with an
 * outcome) — when one of them is missing, nothing changes and the caller gets 409
 * `migration_required` with the elements and their contacts. The document must be valid (422).
 */
export async function publishVersion(
  ctx: ServerContext, projectId: string, campaignId: string, next: CampaignDocument, migrations: Record<string, string>, lang: Lang,
): Promise<Published> {
  const findings = await campaignFindings(next, await projectConfig(ctx, projectId), lang);
  if (hasErrorFindings(findings)) throw invalidCampaign(findings, "cannot publish this version");
  checkTargets(migrations, next);
  const versions = new CampaignVersions(ctx.db);
  const at = ctx.clock.now();
  const result = await changeCampaign(ctx, projectId, campaignId, async (record) => {
    if (!isLive(record.status)) throw invalidTransition(`cannot publish a version of a ${record.status} campaign`);
    const live = record.doc;
    const current = (await versions.latest([campaignId])).get(campaignId) ?? 0;
    if (JSON.stringify(live) === JSON.stringify(next)) return { record, version: current, migrated: [] };

    const before = types(live);
    const after = types(next);
    const kept = (id: string) => before.get(id) !== undefined && after.get(id) === before.get(id);
    const waiting = await ctx.store.waitingCounts(campaignId);
    const stranded: StrandedElement[] = [...waiting]
      .filter(([id, n]) => n > 0 && !kept(id))
      .map(([element, n]) => ({ element, type: before.get(element) ?? null, waiting: n }));
    const movable = new Set([...[...before.keys()].filter((id) => !kept(id)), ...stranded.map((s) => s.element)]);
    const orphan = Object.keys(migrations).filter((id) => !movable.has(id));
    if (orphan.length) {
      throw badRequest(`migrations must name elements of the live version that this one removes or changes: ${orphan.join(", ")}`,
        orphan.map((id) => ({
          path: `body.migrations.${id}`,
          message: kept(id) ? `${id} is kept: its contacts stay there` : after.has(id) ? `${id} is new in this version: no contact is there` : `no element ${id}`,
        })));
    }
    const missing = stranded.filter((s) => migrations[s.element] === undefined);
    if (missing.length) {
      throw new ApiError(409, "migration_required",
        `the new version removes or changes elements where contacts are: say where they go (migrations) for ${missing.map((s) => `${s.element} (${s.waiting})`).join(", ")}`,
        missing.map((s) => ({ path: `body.migrations.${s.element}`, message: `${s.waiting} contact${s.waiting > 1 ? "s" : ""} at ${s.element}${s.type ? ` (${s.type})` : ""}` })),
        { elements: missing });
    }

    // A paused campaign's moved contacts are due at its pause: a `retime` resume adds no wait to them.
    const dueAt = record.status === "paused" && record.pausedAt !== null ? Math.min(at, record.pausedAt) : at;
    const migrated: Published["migrated"] = [];
    for (const s of migrationOrder(stranded, migrations)) {
      const to = migrations[s.element];
      const n = to.startsWith(END_PREFIX)
        ? await ctx.store.endTokens(campaignId, s.element, to.slice(END_PREFIX.length), at)
        : await ctx.store.moveTokens(campaignId, s.element, to, at, dueAt);
      migrated.push({ element: s.element, to, contacts: n });
    }
    // Timers of elements that are gone would fire into nothing (a winner for a missing test, a cart into a missing trigger).
    for (const id of new Set([...before.keys(), ...stranded.map((s) => s.element)])) {
      if (kept(id)) continue;
      await ctx.store.deleteTimers({ campaignId, element: id, kind: "axWinner" });
      await ctx.store.deleteTimers({ campaignId, element: id, kind: "cart" });
    }
    const changed = nextState(record.state, live, next);
    for (const id of changed?.rearm ?? []) await ctx.store.addTimer(campaignId, id, null, at, "axWinner");
    const saved: CampaignRecord = { ...record, doc: next, state: changed?.state ?? record.state };
    await ctx.store.saveCampaign(saved);
    const version = await versions.record(campaignId, next, at);
    return { record: saved, version, migrated };
  });
  ctx.wake();
  return { ...result, findings };
}
