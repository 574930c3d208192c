import type { DirectoryDb } from "../store/directory/directory-db.js";
import { messageView, parsePayload, type MessageView } from "./message-view.js";

/** Which outbox messages to list. Every filter is optional; `before` is the id cursor of the previous page. */
export interface OutboxQuery {
  campaign?: string;
  /** A contact's internal key (the route resolves the contact id). */
  contactPk?: number;
  channel?: string;
  status?: string;
  before?: number;
  limit: number;
}

export interface OutboxMessage extends MessageView {
  /** What the engine rendered: email `to`, `subject`, `html`/`mjml`, `text`, …; SMS `to`, `text`; push `title`, `body`, …. */
  payload: Record<string, unknown>;
}

export interface OutboxPage {
  messages: OutboxMessage[];
  /** Cursor of the next (older) page, null on the last one. */
  next: string | null;
}

/**
 * A project's messages, newest first, one page at a time (keyset on the message id, so a page
 * costs the same however deep it is and messages written meanwhile never shift it). With no
 * transport configured this is where sent mail can be read: the capture outbox.
 */
export async function outboxPage(db: DirectoryDb, projectId: string, q: OutboxQuery): Promise<OutboxPage> {
  let query = db.q.selectFrom("messages").selectAll().where("project_id", "=", projectId);
  if (q.campaign !== undefined) query = query.where("campaign_id", "=", q.campaign);
  // Through the contact's journeys: both tables are indexed that way, messages by contact are not.
  if (q.contactPk !== undefined) query = query.where("journey_id", "in", db.q.selectFrom("journeys").select("id").where("contact_pk", "=", q.contactPk));
  if (q.channel !== undefined) query = query.where("channel", "=", q.channel);
  if (q.status !== undefined) query = query.where("status", "=", q.status);
  if (q.before !== undefined) query = query.where("id", "<", q.before);
  const rows = await db.all(query.orderBy("id", "desc").limit(q.limit + 1));
  const page = rows.slice(0, q.limit);
  return {
    messages: page.map((r) => ({ ...messageView(r), payload: parsePayload(r.payload) })),
    next: rows.length > q.limit ? String(page[page.length - 1].id) : null,
  };
}
