import { randomUUID } from "node:crypto";
import { sql, type RawBuilder } from "kysely";
import type { ProjectConfig } from "../model/index.js";
import type { ContactRecord } from "../store/store.js";
import { TOMBSTONE_PREFIX } from "./contact-input.js";
import type { ContactDeps } from "./contacts.js";
import { siteDb } from "../site/site-db.js";
import { eraseSiteHistory } from "../site/site-history.js";

/**
 * Erases a contact's personal data for good (GDPR art. 17, Québec Loi 25 art. 28), in one
 * transaction:
 *
 * - the contact row becomes a tombstone: a random id `erased-<uuid>`, no fields, consents,
 *   groups or push subscriptions, status `deactivated` — it can never enter or be sent
 *   anything again, and a new contact with the same key can be created later;
 * - its profiling-table rows, consent history and cart timers are deleted;
 * - its messages keep their campaign, element, channel, status and event times (reports keep
 *   adding up) but lose their payload (address, rendered content); those still waiting to be
 *   sent (queued, pending approval) are discarded with reason `erased`; its click URLs are
 *   cleared, the clicks themselves stay;
 * - journeys keep their path and outcome (counts, element stats) but carry the tombstone id
 *   and lose the data an API trigger passed;
 * - postal history keeps that a file held someone, not the address; export files of the
 *   project lose the rows that held the contact's key, email or phone;
 * - the hard-bounce list forgets its addresses (a later contact at that address is sent to
 *   once, and bounces again if it still does not exist).
 *
 * Copies outside Relais (files already sent to an SFTP server, a provider's logs) are out of
 * its reach. Returns the tombstone id.
 */
export async function eraseContact(deps: ContactDeps, projectId: string, config: ProjectConfig, contact: ContactRecord): Promise<string> {
  const { store, db } = deps;
  const pk = contact.pk;
  const tombstone = `${TOMBSTONE_PREFIX}${randomUUID()}`;
  const run = (q: RawBuilder<unknown>) => {
    const c = q.compile(db.q);
    return store.execute(c.sql, c.parameters);
  };
  // What identifies the person outside the contact row: its key, its email and phone numbers.
  const addresses = config.fields.filter((f) => f.type === "email" || f.type === "phone").map((f) => contact.fields[f.key]);
  const identifying = [...new Set([contact.id, ...addresses].filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim().toLowerCase()))];

  await store.transaction(async () => {
    await db.run(db.q.updateTable("contacts")
      .set({ id: tombstone, status: "deactivated", fields: "{}", subscriptions: "{}", groups: "[]", push: "[]" })
      .where("pk", "=", pk));
    await run(sql`DELETE FROM table_rows WHERE contact_pk = ${pk}`);
    await db.run(db.q.deleteFrom("subscription_log").where("contact_pk", "=", pk));
    await run(sql`DELETE FROM timers WHERE contact_pk = ${pk}`);

    await db.run(db.q.updateTable("clicks").set({ url: null })
      .where("message_id", "in", db.q.selectFrom("messages").select("id").where("contact_pk", "=", pk)));
    await db.run(db.q.updateTable("messages").set({ status: "discarded", reason: "erased" })
      .where("contact_pk", "=", pk).where("status", "in", ["queued", "pendingApproval"]));
    await db.run(db.q.updateTable("messages").set({ payload: "{}", contact_id: tombstone }).where("contact_pk", "=", pk));
    await db.run(db.q.updateTable("journeys").set({ contact_id: tombstone, trigger_data: null }).where("contact_pk", "=", pk));

    // Browsing and shopping: the site history and the cart go; orders stay, tied only to the tombstone (revenue figures).
    await eraseSiteHistory(siteDb(store), projectId, pk);
    await run(sql`DELETE FROM carts WHERE project_id = ${projectId} AND contact_pk = ${pk}`);

    await run(sql`UPDATE postal_history SET address = NULL WHERE contact_pk = ${pk}`);
    await run(sql`UPDATE file_postal SET address = NULL WHERE contact_pk = ${pk}`);
    if (identifying.length) {
      await run(sql`DELETE FROM bounced_addresses WHERE project_id = ${projectId} AND LOWER(address) IN (${sql.join(identifying)})`);
      await scrubFiles(run, projectId, identifying);
    }
  });
  return tombstone;
}

/** Removes from the project's export files every row one of whose values is one of `identifying` (lower-cased). */
async function scrubFiles(run: (q: RawBuilder<unknown>) => Promise<Record<string, unknown>[]>, projectId: string, identifying: string[]): Promise<void> {
  // A LIKE on the JSON text finds the candidate files; the rows are then checked value by value.
  const like = (v: string) => `%${JSON.stringify(v).slice(1, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // File rows live in `file_rows` (one per line, src/exports/upload-schema.ts).
  const candidates = await run(sql`SELECT r.file_id, r.seq, r.data FROM file_rows r JOIN files f ON f.id = r.file_id
    WHERE f.project_id = ${projectId} AND (${sql.join(identifying.map((v) => sql`LOWER(r.data) LIKE ${like(v)} ESCAPE '\\'`), sql` OR `)})`);
  const hit = new Set(identifying);
  for (const r of candidates) {
    const row = JSON.parse(String(r.data)) as Record<string, unknown>;
    if (Object.values(row).some((v) => (typeof v === "string" || typeof v === "number") && hit.has(String(v).trim().toLowerCase()))) {
      await run(sql`DELETE FROM file_rows WHERE file_id = ${r.file_id} AND seq = ${r.seq}`);
    }
  }
}
