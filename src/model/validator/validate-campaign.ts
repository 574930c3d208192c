import type { CampaignDocument } from "../campaign.js";
import { isError, type Finding } from "../finding.js";
import type { Lang } from "../i18n.js";
import type { ProjectConfig } from "../project.js";
import { checkApprovals } from "./approval-checks.js";
import { checkCampaign } from "./campaign-checks.js";
import { checkConnections } from "./connection-checks.js";
import { checkCycles } from "./cycle-check.js";
import type { Draft } from "./draft.js";
import { checkElements } from "./element-checks.js";
import { buildFlow } from "./flow.js";
import { checkPromoCodes } from "./promo-check.js";
import { checkReachability } from "./reachability-check.js";
import { checkReferences } from "./reference-checks.js";
import { resolveCampaign } from "./resolved-campaign.js";
import { checkSendConditions } from "./send-condition-checks.js";

export interface ValidateOptions {
  /** Language of `message` (every finding carries both in `messages`). Default `fr`. */
  lang?: Lang;
}

/**
 * Runs one step of the validation. The public validator turns a step that throws into its
 * fallback (no finding); the property tests run with a guard that lets errors through.
 */
export type Guard = <T>(step: () => T, fallback: T) => T;

/** The findings before translation and ordering, with each element's document position. */
export function collectDrafts(doc: CampaignDocument, project: ProjectConfig, guard: Guard): { drafts: Draft[]; positions: Map<string, number> } {
  const campaign = resolveCampaign(doc, project);
  const connections = guard(() => checkConnections(campaign), { drafts: [], edges: [] });
  const flow = buildFlow(campaign, connections.edges);
  const drafts = [
    guard(() => checkCampaign(campaign), []),
    guard(() => checkElements(campaign), []),
    guard(() => checkReferences(campaign), []),
    connections.drafts,
    guard(() => checkReachability(flow), []),
    guard(() => checkCycles(flow), []),
    guard(() => checkSendConditions(campaign, flow), []),
    guard(() => checkApprovals(campaign, flow), []),
    guard(() => checkPromoCodes(flow), []),
  ].flat();
  return { drafts, positions: new Map(campaign.elements.map((e) => [e.id, e.index])) };
}

const SWALLOW: Guard = (step, fallback) => {
  try {
    return step();
  } catch {
    return fallback;
  }
};

/** Compares dotted paths segment by segment, numbers numerically (`x.2` before `x.10`). */
function comparePaths(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const sa = a.split(".");
  const sb = b.split(".");
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    if (sa[i] === sb[i]) continue;
    const na = /^\d+$/.test(sa[i]) ? Number(sa[i]) : NaN;
    const nb = /^\d+$/.test(sb[i]) ? Number(sb[i]) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return sa[i] < sb[i] ? -1 : 1;
  }
  return sa.length - sb.length;
}

function order(drafts: Draft[], positions: Map<string, number>): Draft[] {
  const position = (d: Draft) => (d.element === undefined ? -1 : (positions.get(d.element) ?? Number.MAX_SAFE_INTEGER));
  return drafts
    .map((d, seq) => ({ d, seq }))
    .sort(
      (x, y) =>
        position(x.d) - position(y.d) ||
        (x.d.code < y.d.code ? -1 : x.d.code > y.d.code ? 1 : 0) ||
        comparePaths(x.d.path, y.d.path) ||
        x.seq - y.seq,
    )
    .map((x) => x.d);
}

/**
 * Checks a campaign against the rules of ELEMENTS.md §10 and returns its findings, campaign-wide
 * ones first, then by element in document order, then code, then path. Pure, and never throws:
 * the editor calls it on every change, whatever state the document is in.
 *
 * @param doc a document already shaped by `CampaignDocument` (its `params` are checked here).
 * @param project the project the campaign belongs to: fields, types, groups… it may name.
 */
export function validateCampaign(doc: CampaignDocument, project: ProjectConfig, options?: ValidateOptions): Finding[] {
  const lang: Lang = options?.lang === "en" ? "en" : "fr";
  let collected: ReturnType<typeof collectDrafts>;
  try {
    collected = collectDrafts(doc, project, SWALLOW);
  } catch {
    return [];
  }
  return order(collected.drafts, collected.positions).map((d) => {
    const f: Finding = { code: d.code, message: d.text[lang], messages: { fr: d.text.fr, en: d.text.en } };
    if (d.element !== undefined) f.element = d.element;
    if (d.path !== undefined) f.path = d.path;
    return f;
  });
}

/** Whether any finding is an error: a campaign with errors cannot be activated. */
export function hasErrors(findings: readonly Pick<Finding, "code">[]): boolean {
  return findings.some(isError);
}

/** Findings split as the simulator and the API print them. */
export function splitFindings(findings: readonly Finding[]): { errors: Finding[]; warnings: Finding[] } {
  return { errors: findings.filter(isError), warnings: findings.filter((f) => !isError(f)) };
}
