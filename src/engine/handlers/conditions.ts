import { addressField, evaluateRule, ruleUsesTables, type Duration, type Rule } from "../../model/index.js";
import type { ContactRecord, MessageRecord, Token } from "../../store/store.js";
import type { BatchContext, Decision, Handler } from "../handler.js";
import { normalizeAddress } from "../../model/addresses.js";
import { addDuration } from "../time.js";

const verdict = (token: Token, ok: boolean): Decision => ({ token, exit: ok ? "true" : "false" });

/** A condition decided on each contact's profile by a predicate. */
function onContact(needsTables: (ctx: BatchContext) => boolean, test: (c: ContactRecord, ctx: BatchContext) => boolean): Handler {
  return async (tokens, ctx) => {
    const contacts = await ctx.contacts(tokens, { tables: needsTables(ctx) });
    return tokens.map((t) => {
      const c = contacts.get(t.contactPk);
      return verdict(t, c !== undefined && test(c, ctx));
    });
  };
}

const ruleHolds = (rule: Rule, c: ContactRecord, ctx: BatchContext) => evaluateRule(rule, { fields: c.fields, tables: c.tables }, ctx.ruleEnv);

const personaRules = (ctx: BatchContext) =>
  (ctx.element.params.personas as string[]).map((k) => ctx.project.personas.find((p) => p.key === k)?.rule);

/** Wildcard match (`*` = anything), case-insensitive. */
export function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.trim().split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
  return re.test(value.trim());
}

/** A ★ condition: decided on the messages of the current journey. */
function onMessages(test: (messages: MessageRecord[], ctx: BatchContext, clicks: Map<number, string[]>) => boolean, withClicks = false): Handler {
  return async (tokens, ctx) => {
    const all = await ctx.store.journeyMessages(tokens.map((t) => t.journey));
    const ref = ctx.element.params.message as string | undefined;
    const byJourney = new Map<number, MessageRecord[]>();
    for (const m of all) {
      if (m.status !== "sent") continue;
      if (ref !== undefined && m.element !== ref) continue;
      const list = byJourney.get(m.journey) ?? [];
      list.push(m);
      byJourney.set(m.journey, list);
    }
    // With a named message, only its latest send in the journey counts (a loop may send it again).
    if (ref !== undefined) for (const [j, list] of byJourney) byJourney.set(j, [list[list.length - 1]]);
    const clicks = new Map<number, string[]>();
    if (withClicks) {
      const ids = [...byJourney.values()].flat().map((m) => m.id);
      for (const c of await ctx.store.clicksOf(ids)) {
        const list = clicks.get(c.messageId) ?? [];
        list.push(c.url ?? "");
        clicks.set(c.messageId, list);
      }
    }
    return tokens.map((t) => verdict(t, test(byJourney.get(t.journey) ?? [], ctx, clicks)));
  };
}

/**
 * Recency/frequency: interactions with any email of the project inside the window. A click
 * implies an open, so for `opened` a click on a message with no recorded open counts as one.
 */
const recencyFrequency: Handler = async (tokens, ctx) => {
  const p = ctx.element.params as { interaction: string; within: Duration; atLeast?: number };
  // Days and weeks are calendar units in the campaign's timezone (ELEMENTS.md §1), as in rules.
  const since = addDuration(ctx.now, { ...p.within, amount: -p.within.amount }, ctx.compiled.timezone);
  const rows = await ctx.store.interactions(tokens.map((t) => t.contactPk), since, ctx.now);
  const counts = new Map<number, number>();
  const openedMessages = new Set(rows.filter((r) => r.type === "opened" && r.messageId !== null).map((r) => `${r.contactPk}:${r.messageId}`));
  const clickedCounted = new Set<string>();
  const counted = (r: (typeof rows)[number]): boolean => {
    if (p.interaction === "openedOrClicked") return true;
    if (p.interaction === "clicked") return r.type === "clicked";
    if (r.type === "opened" || r.messageId === null) return true;
    const k = `${r.contactPk}:${r.messageId}`;
    const first = !openedMessages.has(k) && !clickedCounted.has(k);
    clickedCounted.add(k);
    return first;
  };
  for (const r of rows) if (counted(r)) counts.set(r.contactPk, (counts.get(r.contactPk) ?? 0) + 1);
  return tokens.map((t) => verdict(t, (counts.get(t.contactPk) ?? 0) >= (p.atLeast ?? 1)));
};

/**
 * Duplicate removal among the contacts arriving together (same run; for event triggers, same
 * instant): per normalized address the newest (or oldest) contact by creation date goes true.
 */
const deduplicate: Handler = async (tokens, ctx) => {
  const { by, keep } = ctx.element.params as { by: "email" | "phone"; keep: "newest" | "oldest" };
  const contacts = await ctx.contacts(tokens);
  const field = addressField(ctx.project, by);
  const groups = new Map<string, Token[]>();
  const out = new Map<number, boolean>();
  for (const t of tokens) {
    const c = contacts.get(t.contactPk);
    const address = c && field ? normalizeAddress(c.fields[field], by) : undefined;
    if (!address) {
      out.set(t.journey, true);
      continue;
    }
    const key = `${t.runId ?? `@${t.dueAt}`}\u0000${address}`;
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  for (const list of groups.values()) {
    const sorted = [...list].sort((a, b) => {
      const ca = contacts.get(a.contactPk)!.createdAt;
      const cb = contacts.get(b.contactPk)!.createdAt;
      if (ca !== cb) return keep === "newest" ? cb - ca : ca - cb;
      return a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0;
    });
    sorted.forEach((t, i) => out.set(t.journey, i === 0));
  }
  return tokens.map((t) => verdict(t, out.get(t.journey)!));
};

export const conditionHandlers: Record<string, Handler> = {
  "condition.profile": onContact((ctx) => ruleUsesTables(ctx.element.params), (c, ctx) => ruleHolds(ctx.element.params, c, ctx)),
  "condition.advancedProfile": onContact((ctx) => ruleUsesTables(ctx.element.params.rule), (c, ctx) => ruleHolds(ctx.element.params.rule, c, ctx)),
  "condition.groups": onContact(() => false, (c, ctx) => {
    const groups = ctx.element.params.groups as string[];
    return ctx.element.params.match === "all" ? groups.every((g) => c.groups.includes(g)) : groups.some((g) => c.groups.includes(g));
  }),
  "condition.personas": onContact(
    (ctx) => personaRules(ctx).some((r) => r !== undefined && ruleUsesTables(r)),
    (c, ctx) => {
      const holds = personaRules(ctx).map((r) => r !== undefined && ruleHolds(r, c, ctx));
      return ctx.element.params.match === "all" ? holds.every(Boolean) : holds.some(Boolean);
    },
  ),
  "condition.recencyFrequency": recencyFrequency,
  "condition.messageDelivered": onMessages((ms) => ms.some((m) => m.deliveredAt !== null)),
  "condition.messageOpened": onMessages((ms) => ms.some((m) => m.openedAt !== null || m.clickedAt !== null)),
  "condition.messageClicked": onMessages((ms, ctx, clicks) => {
    const links = ctx.element.params.links as string[] | undefined;
    return ms.some((m) => m.clickedAt !== null && (!links?.length || (clicks.get(m.id) ?? []).some((u) => links.some((l) => wildcard(l, u)))));
  }, true),
  "condition.unsubscribedFromCampaign": onMessages((ms, ctx) => {
    const types = ctx.element.params.communicationTypes as string[] | undefined;
    return ms.some((m) => m.unsubscribedAt !== null && (!types?.length || types.includes(m.unsubscribedType ?? m.communicationType ?? "")));
  }),
  "condition.complaint": onMessages((ms) => ms.some((m) => m.complainedAt !== null)),
  "condition.deduplicate": deduplicate,
};
