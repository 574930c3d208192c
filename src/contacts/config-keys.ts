import { z } from "zod";

/**
 * Keys of a project's configuration. Fields, profiling tables and their columns are read by
 * name in rules and in Liquid (`contact.firstName`), so their keys are identifiers; the other
 * things (communication types, groups, personas, promo banks, destinations) are only named, so
 * a dash is allowed too (`alertes-sms`).
 */
export const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
export const SLUG = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export const IdentifierKey = z.string().regex(IDENTIFIER, "a letter, then letters, digits or _ (63 characters at most)");
export const SlugKey = z.string().regex(SLUG, "a letter, then letters, digits, _ or - (63 characters at most)");

/** A key in a URL: its format is not checked there, so an odd key is simply not found (404). */
export const KeyParam = z.string().min(1).max(200);

/**
 * The entry already using `key`, compared without case: `City` next to `city` would be two
 * columns a person cannot tell apart in a CSV header or a form.
 */
export function clash<T extends { key: string }>(items: readonly T[], key: string): T | undefined {
  const k = key.toLowerCase();
  return items.find((x) => x.key.toLowerCase() === k);
}

/** Keys that appear more than once in a list (without case), for one problem per repeat. */
export function repeatedKeys(keys: readonly string[]): { index: number; key: string }[] {
  const seen = new Set<string>();
  const out: { index: number; key: string }[] = [];
  keys.forEach((key, index) => {
    const k = key.toLowerCase();
    if (seen.has(k)) out.push({ index, key });
    seen.add(k);
  });
  return out;
}
