/**
 * Normalized addresses: emails compare trimmed and lower-cased as a whole; phone numbers in
 * E.164 (a 10-digit North American number gets +1). Full international parsing with a default
 * country per project comes with the SMS channel. Pure: rules (model) and sends (engine) share it.
 */
export function normalizeAddress(value: unknown, kind: "email" | "phone"): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  if (s === "") return undefined;
  if (kind === "email") return s.toLowerCase();
  const digits = s.replace(/[^\d]/g, "");
  if (digits === "") return undefined;
  if (s.startsWith("+")) return `+${digits}`;
  if (s.startsWith("00")) return `+${digits.slice(2)}`;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
  return `+${digits}`;
}
