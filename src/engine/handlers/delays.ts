import type { Duration } from "../../model/index.js";
import { READY, type Token } from "../../store/store.js";
import type { CompiledCampaign, CompiledElement } from "../compiled-campaign.js";
import type { BatchContext, Decision, Handler } from "../handler.js";
import { addDuration, nextWeekday } from "../time.js";

/** When a contact arriving at `at` at a timed delay may go on. */
export function delayDue(el: CompiledElement, at: number, compiled: CompiledCampaign): number {
  if (el.type === "delay.period") return addDuration(at, el.params as Duration, compiled.timezone);
  if (el.type === "delay.weekdays") return nextWeekday(at, el.params.days, el.params.time ?? "09:00", compiled.timezone);
  return at;
}

/** A token due at a timed delay has waited its time (it was given its due time on arrival). */
const timed: Handler = async (tokens, ctx) =>
  tokens.map((token): Decision => (token.state === READY ? { token, wait: delayDue(ctx.element, ctx.now, ctx.compiled) } : { token, exit: "next" }));

/**
 * A contact at an approval goes on once the email prepared for it upstream is approved (sent),
 * ends as abandon if it was rejected (discarded), and is held while it is pending.
 */
const approval: Handler = async (tokens, ctx: BatchContext) => {
  const sources = new Set(ctx.compiled.approvalSources(ctx.element.id));
  const messages = await ctx.store.journeyMessages(tokens.map((t) => t.journey));
  const latest = new Map<number, string>();
  for (const m of messages) if (sources.has(m.element)) latest.set(m.journey, m.status);
  return tokens.map((token: Token): Decision => {
    const status = latest.get(token.journey);
    if (status === "pendingApproval") return { token, hold: true };
    if (status === "discarded") return { token, end: "abandon" };
    return { token, exit: "next" };
  });
};

export const delayHandlers: Record<string, Handler> = {
  "delay.period": timed,
  "delay.weekdays": timed,
  "delay.approval": approval,
};
