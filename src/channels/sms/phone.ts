import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/** The country a national number (no `+`) is read in when the project sets none. */
export const DEFAULT_SMS_COUNTRY = "CA";

/**
 * A phone number as stored (typed by people: `514-555-0101`, `+33 6 12 34 56 78`) in E.164, or
 * why it cannot be texted. National numbers are read in the project's default country.
 */
export function smsAddress(value: unknown, country: string = DEFAULT_SMS_COUNTRY): { ok: true; e164: string } | { ok: false; error: string } {
  if (value === undefined || value === null || String(value).trim() === "") return { ok: false, error: "no phone number" };
  const raw = String(value).trim();
  const parsed = parsePhoneNumberFromString(raw.startsWith("00") ? `+${raw.slice(2)}` : raw, country as CountryCode);
  if (!parsed || !parsed.isValid()) return { ok: false, error: `"${raw}" is not a valid phone number (read in ${country} when national)` };
  return { ok: true, e164: parsed.number };
}
