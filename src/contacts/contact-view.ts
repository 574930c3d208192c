import type { ProjectConfig } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { ContactOut } from "./contact-schemas.js";
import { latestSubscriptions } from "./subscription-log.js";

/** What a contact view is built from: a stored contact (or a row read for a search). */
export interface ContactData {
  pk: number;
  id: string;
  status: "active" | "deactivated";
  createdAt: number;
  fields: Record<string, unknown>;
  subscriptions: Record<string, boolean>;
  groups: string[];
}

/**
 * Contacts as the API shows them. `subscriptions` holds every communication type a contact
 * can consent to (the project's non-administrative ones, and any other the contact still
 * holds), each with its state and the latest change of the history, read for all at once.
 */
export async function contactViews(db: DirectoryDb, config: ProjectConfig, contacts: ContactData[]): Promise<ContactOut[]> {
  const latest = await latestSubscriptions(db, contacts.map((c) => c.pk));
  const types = config.communicationTypes.filter((t) => !t.administrative).map((t) => t.key);
  return contacts.map((c) => {
    const log = latest.get(c.pk) ?? {};
    const subscriptions: ContactOut["subscriptions"] = {};
    for (const type of new Set([...types, ...Object.keys(c.subscriptions)])) {
      const last = log[type];
      subscriptions[type] = { subscribed: c.subscriptions[type] === true, at: last?.at ?? null, source: last?.source ?? null };
    }
    return { id: c.id, status: c.status, createdAt: c.createdAt, fields: c.fields, subscriptions, groups: c.groups };
  });
}

export async function contactView(db: DirectoryDb, config: ProjectConfig, contact: ContactData): Promise<ContactOut> {
  return (await contactViews(db, config, [contact]))[0]!;
}
