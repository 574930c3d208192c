import { DirectoryDb } from "../../store/directory/directory-db.js";
import type { Store } from "../../store/store.js";
import type { SenderDefaults } from "./render.js";

/** A project's default sender as stored (`project_info.default_sender`, see src/contacts/projects.ts). */
export interface ProjectSender {
  name?: string;
  email: string;
  replyTo?: string;
}

/** `"Name" <email>`, the name quoted (RFC 5322) so commas or accents in it never split the address. */
export function formatAddress(name: string | undefined, email: string): string {
  const n = name?.replace(/\s+/g, " ").trim();
  return n ? `"${n.replace(/["\\]/g, "\\$&")}" <${email}>` : email;
}

/** The `from` and `replyTo` a message of the project gets when it names none. */
export function senderDefaults(sender: ProjectSender | null | undefined): SenderDefaults {
  if (!sender?.email) return {};
  return { from: formatAddress(sender.name, sender.email), ...(sender.replyTo ? { replyTo: sender.replyTo } : {}) };
}

const directories = new WeakMap<Store, DirectoryDb>();

/** The project's sender defaults, read in the caller's transaction (one query per batch). */
export async function projectSenderDefaults(store: Store, projectId: string): Promise<SenderDefaults> {
  let db = directories.get(store);
  if (!db) directories.set(store, (db = new DirectoryDb(store)));
  const row = await db.first(db.q.selectFrom("project_info").select("default_sender").where("id", "=", projectId));
  if (!row?.default_sender) return {};
  try {
    return senderDefaults(JSON.parse(row.default_sender) as ProjectSender);
  } catch {
    return {};
  }
}
