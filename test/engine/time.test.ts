import { describe, expect, it } from "vitest";
import { draw } from "../../src/engine/random.js";
import {
  addDuration, localDate, localHour, localToInstant, nextHourStart, nextOccurrence, nextWeekday, parseLocal, recurrenceBetween,
} from "../../src/engine/time.js";

const ZONE = "America/Toronto";
const HOUR = 3_600_000;
/** An instant written with its offset, so expectations never depend on the code under test. */
const t = (iso: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture ${iso}`);
  return ms;
};
const iso = (ms: number) => new Date(ms).toISOString();
const days = (amount: number) => ({ amount, unit: "days" as const });

// Toronto: spring-forward 2027-03-14 02:00 EST -> 03:00 EDT; fall-back 2026-11-01 02:00 EDT -> 01:00 EST.

describe("adding durations", () => {
  it("keeps the local time of day when adding a day across spring-forward", () => {
    const from = t("2027-03-13T09:00:00-05:00");
    const to = addDuration(from, days(1), ZONE);
    expect(iso(to)).toBe(iso(t("2027-03-14T09:00:00-04:00")));
    expect(to - from).toBe(23 * HOUR);
  });

  it("keeps the local time of day when adding a day across fall-back", () => {
    const from = t("2026-10-31T09:00:00-04:00");
    const to = addDuration(from, days(1), ZONE);
    expect(iso(to)).toBe(iso(t("2026-11-01T09:00:00-05:00")));
    expect(to - from).toBe(25 * HOUR);
  });

  it("keeps the local time of day when adding weeks across a DST change", () => {
    expect(iso(addDuration(t("2027-03-10T18:45:00-05:00"), { amount: 1, unit: "weeks" }, ZONE))).toBe(iso(t("2027-03-17T18:45:00-04:00")));
    expect(iso(addDuration(t("2026-10-28T18:45:00-04:00"), { amount: 2, unit: "weeks" }, ZONE))).toBe(iso(t("2026-11-11T18:45:00-05:00")));
  });

  it("counts hours and minutes as absolute time, whatever the wall clock does", () => {
    expect(addDuration(t("2027-03-13T09:00:00-05:00"), { amount: 24, unit: "hours" }, ZONE)).toBe(t("2027-03-14T10:00:00-04:00"));
    expect(addDuration(t("2027-03-14T01:30:00-05:00"), { amount: 60, unit: "minutes" }, ZONE)).toBe(t("2027-03-14T03:30:00-04:00"));
    expect(addDuration(t("2026-11-01T01:30:00-04:00"), { amount: 1, unit: "hours" }, ZONE)).toBe(t("2026-11-01T01:30:00-05:00"));
  });

  it("moves a local time that falls in the spring-forward gap forward by the gap", () => {
    expect(iso(addDuration(t("2027-03-13T02:30:00-05:00"), days(1), ZONE))).toBe(iso(t("2027-03-14T03:30:00-04:00")));
  });

  it("gives an ambiguous fall-back local time its earlier offset", () => {
    const from = t("2026-10-31T01:30:00-04:00");
    const to = addDuration(from, days(1), ZONE);
    expect(iso(to)).toBe(iso(t("2026-11-01T01:30:00-04:00")));
    expect(to - from).toBe(24 * HOUR);
  });

  it("keeps seconds and milliseconds, and adds nothing for a zero amount", () => {
    const from = t("2026-06-01T09:15:42.123-04:00");
    expect(addDuration(from, days(2), ZONE)).toBe(t("2026-06-03T09:15:42.123-04:00"));
    expect(addDuration(from, days(0), ZONE)).toBe(from);
  });
});

describe("local wall-clock times", () => {
  it("moves a time in the spring-forward gap forward by the gap", () => {
    expect(localToInstant({ year: 2027, month: 3, day: 14, hour: 2, minute: 30 }, ZONE)).toBe(t("2027-03-14T03:30:00-04:00"));
    expect(parseLocal("2027-03-14T02:00", ZONE)).toBe(t("2027-03-14T03:00:00-04:00"));
  });

  it("gives an ambiguous fall-back time the earlier offset", () => {
    expect(iso(localToInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, ZONE))).toBe(iso(t("2026-11-01T01:30:00-04:00")));
    expect(iso(parseLocal("2026-11-01T01:00", ZONE))).toBe(iso(t("2026-11-01T01:00:00-04:00")));
    expect(iso(parseLocal("2026-11-01T01:59:59", ZONE))).toBe(iso(t("2026-11-01T01:59:59-04:00")));
  });

  it("leaves unambiguous times around a DST change alone", () => {
    expect(parseLocal("2026-11-01T00:59", ZONE)).toBe(t("2026-11-01T00:59:00-04:00"));
    expect(parseLocal("2026-11-01T02:00", ZONE)).toBe(t("2026-11-01T02:00:00-05:00"));
    expect(parseLocal("2027-03-14T01:59", ZONE)).toBe(t("2027-03-14T01:59:00-05:00"));
    expect(parseLocal("2027-03-14T03:00", ZONE)).toBe(t("2027-03-14T03:00:00-04:00"));
  });

  it("takes a date-time with an explicit offset as written", () => {
    expect(parseLocal("2026-11-01T01:30:00-05:00", ZONE)).toBe(t("2026-11-01T01:30:00-05:00"));
    expect(parseLocal("2026-11-01T06:30:00Z", ZONE)).toBe(t("2026-11-01T01:30:00-05:00"));
  });

  it("refuses text that is not a date-time", () => {
    expect(() => parseLocal("next tuesday", ZONE)).toThrow();
  });

  it("reads the local date and hour in the zone", () => {
    const lateEvening = t("2026-06-15T23:30:00-04:00");
    expect(localDate(lateEvening, ZONE)).toBe("2026-06-15");
    expect(localDate(lateEvening, "UTC")).toBe("2026-06-16");
    expect(localHour(lateEvening, ZONE)).toBe(23);
  });
});

describe("the next weekday at a time", () => {
  // 2027-03-08 and 2027-03-15 are Mondays, either side of spring-forward.
  it("is later the same day when the contact arrives on a chosen day before the time", () => {
    expect(nextWeekday(t("2027-03-08T08:59:00-05:00"), ["MO"], "09:00", ZONE)).toBe(t("2027-03-08T09:00:00-05:00"));
  });

  it("is a week later when the contact arrives on a chosen day exactly at the time", () => {
    expect(iso(nextWeekday(t("2027-03-08T09:00:00-05:00"), ["MO"], "09:00", ZONE))).toBe(iso(t("2027-03-15T09:00:00-04:00")));
  });

  it("is a week later when the contact arrives on a chosen day after the time", () => {
    expect(iso(nextWeekday(t("2027-03-08T09:00:01-05:00"), ["MO"], "09:00", ZONE))).toBe(iso(t("2027-03-15T09:00:00-04:00")));
  });

  it("is the earliest of the chosen days, at the local time whatever the offset", () => {
    expect(nextWeekday(t("2027-03-10T12:00:00-05:00"), ["TU", "TH"], "18:30", ZONE)).toBe(t("2027-03-11T18:30:00-05:00"));
    expect(nextWeekday(t("2027-03-12T12:00:00-05:00"), ["TU", "TH"], "18:30", ZONE)).toBe(t("2027-03-16T18:30:00-04:00"));
    expect(nextWeekday(t("2026-10-31T12:00:00-04:00"), ["MO", "SA"], "08:00", ZONE)).toBe(t("2026-11-02T08:00:00-05:00"));
  });

  it("reads the arrival's day in the campaign's timezone", () => {
    // 23:30 on Sunday in Toronto is already Monday in UTC: the next Monday 09:00 is a few hours away.
    expect(nextWeekday(t("2026-06-14T23:30:00-04:00"), ["MO"], "09:00", ZONE)).toBe(t("2026-06-15T09:00:00-04:00"));
  });

  it("moves a chosen time in the spring-forward gap forward by the gap", () => {
    expect(nextWeekday(t("2027-03-13T12:00:00-05:00"), ["SU"], "02:30", ZONE)).toBe(t("2027-03-14T03:30:00-04:00"));
  });

  it("gives a chosen time on the fall-back night the earlier offset", () => {
    expect(iso(nextWeekday(t("2026-10-31T12:00:00-04:00"), ["SU"], "01:30", ZONE))).toBe(iso(t("2026-11-01T01:30:00-04:00")));
  });
});

describe("recurrences", () => {
  const MONDAYS = "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0";

  it("stays at 09:00 local across spring-forward", () => {
    const activation = t("2027-03-01T08:00:00-05:00");
    const got = recurrenceBetween(MONDAYS, activation, ZONE, activation - 1, t("2027-03-30T00:00:00-04:00"));
    expect(got.map(iso)).toEqual([
      t("2027-03-01T09:00:00-05:00"), t("2027-03-08T09:00:00-05:00"), t("2027-03-15T09:00:00-04:00"),
      t("2027-03-22T09:00:00-04:00"), t("2027-03-29T09:00:00-04:00"),
    ].map(iso));
  });

  it("stays at 09:00 local across fall-back", () => {
    const activation = t("2026-10-19T00:00:00-04:00");
    const got = recurrenceBetween(MONDAYS, activation, ZONE, activation - 1, t("2026-11-10T00:00:00-05:00"));
    expect(got.map(iso)).toEqual([
      t("2026-10-19T09:00:00-04:00"), t("2026-10-26T09:00:00-04:00"), t("2026-11-02T09:00:00-05:00"), t("2026-11-09T09:00:00-05:00"),
    ].map(iso));
  });

  it("counts the activation instant only when it matches the rule", () => {
    const atNine = t("2027-03-01T09:00:00-05:00");
    expect(recurrenceBetween(MONDAYS, atNine, ZONE, atNine - 1, atNine + 8 * 24 * HOUR)).toEqual([atNine, t("2027-03-08T09:00:00-05:00")]);
    const atNineOhOne = t("2027-03-01T09:01:00-05:00");
    expect(recurrenceBetween(MONDAYS, atNineOhOne, ZONE, atNineOhOne - 1, atNineOhOne + 8 * 24 * HOUR)).toEqual([t("2027-03-08T09:00:00-05:00")]);
  });

  it("returns the occurrences after the first bound and up to the second, and none past the end", () => {
    const activation = t("2027-03-01T08:00:00-05:00");
    const mar8 = t("2027-03-08T09:00:00-05:00");
    const mar15 = t("2027-03-15T09:00:00-04:00");
    expect(recurrenceBetween(MONDAYS, activation, ZONE, mar8, mar15)).toEqual([mar15]);
    expect(recurrenceBetween(MONDAYS, activation, ZONE, mar8 - 1, mar15 - 1)).toEqual([mar8]);
    expect(recurrenceBetween(MONDAYS, activation, ZONE, activation, t("2027-04-30T00:00:00-04:00"), mar15)).toHaveLength(3);
  });

  it("accepts a rule written with the RRULE: prefix", () => {
    const activation = t("2027-03-01T08:00:00-05:00");
    expect(recurrenceBetween(`RRULE:${MONDAYS}`, activation, ZONE, activation, activation + 24 * HOUR)).toEqual([t("2027-03-01T09:00:00-05:00")]);
  });

  it("finds the next occurrence strictly after an instant", () => {
    const activation = t("2027-03-01T08:00:00-05:00");
    expect(nextOccurrence(MONDAYS, activation, ZONE, t("2027-03-08T09:00:00-05:00"))).toBe(t("2027-03-15T09:00:00-04:00"));
    expect(nextOccurrence(MONDAYS, activation, ZONE, t("2027-03-08T09:00:00-05:00"), t("2027-03-10T00:00:00-05:00"))).toBeNull();
  });
});

describe("the next start of an hour", () => {
  it("is now when the instant is inside that hour", () => {
    const at = t("2026-06-15T10:42:00-04:00");
    expect(nextHourStart(at, 10, ZONE)).toBe(at);
  });

  it("is later today when the hour is still to come", () => {
    expect(nextHourStart(t("2026-06-15T08:10:00-04:00"), 10, ZONE)).toBe(t("2026-06-15T10:00:00-04:00"));
  });

  it("is tomorrow when the hour has passed", () => {
    expect(nextHourStart(t("2026-06-15T11:00:00-04:00"), 10, ZONE)).toBe(t("2026-06-16T10:00:00-04:00"));
    expect(nextHourStart(t("2026-06-15T23:59:00-04:00"), 0, ZONE)).toBe(t("2026-06-16T00:00:00-04:00"));
  });

  it("is counted in local time across a DST change", () => {
    expect(nextHourStart(t("2027-03-13T20:00:00-05:00"), 10, ZONE)).toBe(t("2027-03-14T10:00:00-04:00"));
    expect(nextHourStart(t("2026-10-31T20:00:00-04:00"), 10, ZONE)).toBe(t("2026-11-01T10:00:00-05:00"));
  });

  it("starts an hour missing from the spring-forward day when the gap ends", () => {
    expect(nextHourStart(t("2027-03-14T00:30:00-05:00"), 2, ZONE)).toBe(t("2027-03-14T03:00:00-04:00"));
  });

  it("starts the repeated fall-back hour at its first occurrence", () => {
    expect(iso(nextHourStart(t("2026-11-01T00:30:00-04:00"), 1, ZONE))).toBe(iso(t("2026-11-01T01:00:00-04:00")));
  });
});

describe("deterministic randomness", () => {
  it("draws the same number for the same seed, campaign, element and contact", () => {
    expect(draw(42, "c1", "s1", "ann")).toBe(draw(42, "c1", "s1", "ann"));
    expect(draw(42, "c1", "s1", "ann", "7")).toBe(draw(42, "c1", "s1", "ann", "7"));
  });

  it("draws differently when any input changes", () => {
    const base = draw(42, "c1", "s1", "ann");
    for (const other of [draw(43, "c1", "s1", "ann"), draw(42, "c2", "s1", "ann"), draw(42, "c1", "s2", "ann"), draw(42, "c1", "s1", "bob"), draw(42, "c1", "s1", "ann", "1")]) {
      expect(other).not.toBe(base);
    }
  });

  it("draws a different order for every small seed", () => {
    const order = (seed: number) => Array.from({ length: 30 }, (_, i) => `c${i}`).sort((a, b) => draw(seed, "c1", "s1", a) - draw(seed, "c1", "s1", b)).join();
    const orders = Array.from({ length: 10 }, (_, seed) => order(seed));
    expect(new Set(orders).size).toBe(10);
  });

  it("does not confuse inputs that concatenate to the same text", () => {
    expect(draw(1, "ab", "c", "d")).not.toBe(draw(1, "a", "bc", "d"));
  });

  it("draws numbers in [0, 1), spread evenly", () => {
    const N = 20_000;
    const buckets = new Array(10).fill(0);
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const u = draw(7, "campaign", "split", `contact-${i}`);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      buckets[Math.floor(u * 10)]++;
      sum += u;
    }
    const expected = N / 10;
    const chiSquare = buckets.reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(27.88); // 9 degrees of freedom, p = 0.001
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
  });

  it("spreads sequential contact ids evenly across seeds too", () => {
    for (const seed of [0, 1, 2, 1234567]) {
      let below = 0;
      for (let i = 0; i < 2_000; i++) if (draw(seed, "c", "e", String(i)) < 0.5) below++;
      expect(Math.abs(below - 1_000)).toBeLessThan(120);
    }
  });
});
