import { DateTime } from "luxon";

/** Local times ("HH:MM") between which no SMS goes out; start > end spans midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** Default quiet hours: 21:00 to 09:00 in the project's time zone. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: "21:00", end: "09:00" };

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
};

/**
 * The first allowed time at or after `at` (epoch ms): `at` itself outside quiet hours, else the
 * end of the quiet period in `zone`. `null` quiet hours: always `at`.
 */
export function afterQuietHours(at: number, zone: string, quiet: QuietHours | null = DEFAULT_QUIET_HOURS): number {
  if (!quiet) return at;
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return at;
  const local = DateTime.fromMillis(at, { zone });
  const now = local.hour * 60 + local.minute;
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return at;
  let until = local.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  if (until <= local) until = until.plus({ days: 1 });
  return until.toMillis();
}
