import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";

/** Free and granted codes of a bank. */
export interface BankStock {
  stock: number;
  granted: number;
}

/** Stock and grants of every bank of the project (banks without codes are absent). */
export async function bankStocks(db: DirectoryDb, projectId: string): Promise<Map<string, BankStock>> {
  const count = (granted: boolean) => db.all(db.q.selectFrom("promo_codes")
    .select((eb) => ["bank", eb.fn.countAll<number>().as("n")])
    .where("project_id", "=", projectId)
    .where("contact_pk", granted ? "is not" : "is", null)
    .groupBy("bank"));
  const out = new Map<string, BankStock>();
  const get = (bank: string) => out.get(bank) ?? out.set(bank, { stock: 0, granted: 0 }).get(bank)!;
  for (const r of await count(false)) get(r.bank).stock = Number(r.n);
  for (const r of await count(true)) get(r.bank).granted = Number(r.n);
  return out;
}

/** Codes looked up per statement: under both dialects' limits on bound parameters. */
const CHUNK = 5000;

/**
 * Adds codes to a bank, skipping those it already holds (granted or not: a code given once is
 * never given again) and repeats inside `codes`. Codes must be trimmed and non-empty.
 * Call inside `store.transaction`.
 *
 * @returns how many were added, and the skipped duplicates in the order met.
 */
export async function addCodes(store: Store, db: DirectoryDb, projectId: string, bank: string, codes: readonly string[]): Promise<{ added: number; duplicates: string[] }> {
  const seen = new Set<string>();
  const unique: string[] = [];
  const duplicates: string[] = [];
  for (const c of codes) {
    if (seen.has(c)) duplicates.push(c);
    else {
      seen.add(c);
      unique.push(c);
    }
  }
  const existing = new Set<string>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db.all(db.q.selectFrom("promo_codes").select("code")
      .where("project_id", "=", projectId).where("bank", "=", bank).where("code", "in", unique.slice(i, i + CHUNK)));
    for (const r of rows) existing.add(r.code);
  }
  const fresh = unique.filter((c) => !existing.has(c));
  for (const c of unique) if (existing.has(c)) duplicates.push(c);
  await store.addPromoCodes(projectId, bank, fresh);
  return { added: fresh.length, duplicates };
}

/**
 * Deletes a bank's free codes. Granted codes stay: they are the record of what each contact
 * received (reports, journeys), and they keep a re-created bank of the same key from giving
 * them out again. Call inside `store.transaction`.
 */
export async function deleteFreeCodes(db: DirectoryDb, projectId: string, bank: string): Promise<void> {
  await db.run(db.q.deleteFrom("promo_codes").where("project_id", "=", projectId).where("bank", "=", bank).where("contact_pk", "is", null));
}
