import { DateTime } from "luxon";
import { RRule } from "../model/rrule.js";
import type { Duration } from "../model/index.js";

const WEEKDAY_NUM: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };

/**
 * A wall-clock time in `zone` as an instant. Times in the spring-forward gap move forward by
 * the gap (luxon does this); ambiguous fall-back times take the earlier offset, i.e. the first
 * of the two instants (luxon picks the second, so the other offset is tried too).
 */
export function localToInstant(parts: { year: number; month: number; day: number; hour: number; minute: number; second?: number }, zone: string): number {
  const second = parts.second ?? 0;
  const dt = DateTime.fromObject({ ...parts, second, millisecond: 0 }, { zone });
  if (!dt.isValid) return dt.toMillis();
  let best = dt.toMillis();
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, second);
  for (const probe of [best - 86_400_000, best + 86_400_000]) {
    const t = wall - DateTime.fromMillis(probe, { zone }).offset * 60_000;
    if (t >= best) continue;
    const d = DateTime.fromMillis(t, { zone });
    if (d.year === parts.year && d.month === parts.month && d.day === parts.day && d.hour === parts.hour && d.minute === parts.minute && d.second === second) best = t;
  }
  return best;
}

/** Adds a duration: minutes and hours are absolute, days and weeks keep the local time of day. */
export function addDuration(at: number, d: Duration, zone: string): number {
  if (d.unit === "minutes" || d.unit === "hours") return at + d.amount * (d.unit === "minutes" ? 60_000 : 3_600_000);
  const local = DateTime.fromMillis(at, { zone });
  const moved = local.plus(d.unit === "days" ? { days: d.amount } : { weeks: d.amount });
  // Rebuild from wall-clock parts so a time that falls in a gap moves forward by the gap.
  return localToInstant({ year: moved.year, month: moved.month, day: moved.day, hour: local.hour, minute: local.minute, second: local.second }, zone) + local.millisecond;
}

/** The earliest instant strictly after `at` that is one of `days` at `time` (HH:mm), local. */
export function nextWeekday(at: number, days: string[], time: string, zone: string): number {
  const [hour, minute] = time.split(":").map(Number);
  const wanted = new Set(days.map((d) => WEEKDAY_NUM[d]));
  const start = DateTime.fromMillis(at, { zone }).startOf("day");
  for (let i = 0; i <= 8; i++) {
    const day = start.plus({ days: i });
    if (!wanted.has(day.weekday)) continue;
    const candidate = localToInstant({ year: day.year, month: day.month, day: day.day, hour, minute }, zone);
    if (candidate > at) return candidate;
  }
  throw new Error(`no weekday among ${days.join(",")}`);
}

/** Parses a local date-time (`YYYY-MM-DDTHH:mm[:ss]`, or with an offset) in `zone`. */
export function parseLocal(text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) throw new Error(`not a date-time: ${text}`);
  if (/[zZ]|[+-]\d{2}:\d{2}$/.test(text)) return dt.toMillis();
  return localToInstant({ year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second }, zone);
}

export function localDate(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toFormat("yyyy-LL-dd");
}

export function localHour(at: number, zone: string): number {
  return DateTime.fromMillis(at, { zone }).hour;
}

/** The next start of local `hour` at or after `at` (at once if `at` is inside that hour). */
export function nextHourStart(at: number, hour: number, zone: string): number {
  const local = DateTime.fromMillis(at, { zone });
  if (local.hour === hour) return at;
  for (let i = 0; i <= 2; i++) {
    const day = local.startOf("day").plus({ days: i });
    const candidate = localToInstant({ year: day.year, month: day.month, day: day.day, hour, minute: 0 }, zone);
    if (candidate > at) return candidate;
  }
  return at;
}

/**
 * Occurrences of an RFC 5545 rule in `(after, until]`, computed in local wall-clock time of
 * `zone` (so "every Monday at 9:00" stays at 9:00 across DST), starting from `dtstart`.
 */
export function recurrenceBetween(rule: string, dtstart: number, zone: string, after: number, until: number, end?: number): number[] {
  const local = DateTime.fromMillis(dtstart, { zone });
  // rrule works in "floating" time: we feed wall-clock parts as if they were UTC.
  const floatStart = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
  const options = RRule.parseString(rule.replace(/^RRULE:/i, ""));
  const rr = new RRule({ ...options, dtstart: floatStart });
  const toInstant = (d: Date) =>
    localToInstant({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() }, zone);
  const out: number[] = [];
  // Search in floating time with a margin of a day on both sides for offsets, then filter exactly.
  const lo = new Date(after + DateTime.fromMillis(after, { zone }).offset * 60_000 - 86_400_000);
  const hi = new Date(until + DateTime.fromMillis(until, { zone }).offset * 60_000 + 86_400_000);
  for (const d of rr.between(lo, hi, true)) {
    const t = toInstant(d);
    if (t > after && t <= until && t >= dtstart && (end === undefined || t <= end)) out.push(t);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The first occurrence strictly after `after`, looking up to ~2 years ahead (null when none). */
export function nextOccurrence(rule: string, dtstart: number, zone: string, after: number, end?: number): number | null {
  let from = after;
  for (let span = 8 * 86_400_000; span <= 800 * 86_400_000; span *= 4) {
    const list = recurrenceBetween(rule, dtstart, zone, from, after + span, end);
    if (list.length) return list[0];
    from = after;
  }
  return null;
}
