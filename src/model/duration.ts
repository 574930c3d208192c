import { z } from "zod";

export const DURATION_UNITS = ["minutes", "hours", "days", "weeks"] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

/** `{ amount, unit }`: minutes and hours are absolute, days and weeks are calendar units. */
export const Duration = z.object({
  amount: z.number().int().nonnegative(),
  unit: z.enum(DURATION_UNITS),
});
export type Duration = z.infer<typeof Duration>;

const UNIT_MS: Record<DurationUnit, number> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
};

/** Nominal length in milliseconds (a day is 24 h): for look-back windows, not for calendar moves. */
export function durationMs(d: Duration): number {
  return d.amount * UNIT_MS[d.unit];
}
