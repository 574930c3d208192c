import type { CompiledCampaign, CompiledElement } from "./compiled-campaign.js";
import { nextOccurrence, parseLocal, recurrenceBetween } from "./time.js";

/**
 * The instants at which a campaign's scheduled triggers (`trigger.recurrence`, `trigger.dates`)
 * fire: at or after the activation (and the recurrence's local `start`), up to its local `end`.
 */
interface Schedule {
  trigger: CompiledElement;
  /** Occurrences in (after, until]. */
  between(after: number, until: number): number[];
  /** The first occurrence after `after`, or null. */
  next(after: number): number | null;
}

function schedule(t: CompiledElement, compiled: CompiledCampaign, activatedAt: number): Schedule | undefined {
  const zone = compiled.timezone;
  if (t.type === "trigger.recurrence") {
    const from = Math.max(activatedAt, t.params.start ? parseLocal(t.params.start, zone) : activatedAt);
    const end = t.params.end ? parseLocal(t.params.end, zone) : undefined;
    // Seconds the rule does not give are 0: the series starts on the minute.
    const dtstart = Math.floor(from / 60_000) * 60_000;
    return {
      trigger: t,
      between: (after, until) => recurrenceBetween(t.params.rrule, dtstart, zone, after, until, end).filter((at) => at >= from),
      next: (after) => nextOccurrence(t.params.rrule, dtstart, zone, Math.max(after, from - 1), end),
    };
  }
  if (t.type === "trigger.dates") {
    const dates = (t.params.dates as string[]).map((d) => parseLocal(d, zone)).filter((at) => at >= activatedAt).sort((a, b) => a - b);
    return {
      trigger: t,
      between: (after, until) => dates.filter((at) => at > after && at <= until),
      next: (after) => dates.find((at) => at > after) ?? null,
    };
  }
  return undefined;
}

function schedules(compiled: CompiledCampaign, activatedAt: number): Schedule[] {
  return compiled.triggers().flatMap((t) => schedule(t, compiled, activatedAt) ?? []);
}

/** Every scheduled occurrence in (after, until], in time order. */
export function dueOccurrences(compiled: CompiledCampaign, activatedAt: number, after: number, until: number): { at: number; trigger: CompiledElement }[] {
  return schedules(compiled, activatedAt)
    .flatMap((s) => s.between(after, until).map((at) => ({ at, trigger: s.trigger })))
    .sort((a, b) => a.at - b.at);
}

/** The first scheduled occurrence after `after`, or null. */
export function nextScheduled(compiled: CompiledCampaign, activatedAt: number, after: number): number | null {
  const next = schedules(compiled, activatedAt).map((s) => s.next(after)).filter((t): t is number => t !== null);
  return next.length ? Math.min(...next) : null;
}
