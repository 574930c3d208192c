import type { DirectoryTables } from "../store/directory/directory-db.js";

type MessageRow = DirectoryTables["messages"];

/** A message as the outbox and the contact timeline show it. Times are epoch ms, null until the event happens. */
export interface MessageView {
  id: number;
  campaign: string;
  element: string;
  contact: string;
  channel: string;
  communicationType: string | null;
  status: string;
  /** Why it was skipped or why it failed. */
  reason: string | null;
  createdAt: number;
  /** Not handed over before this instant (optimized send time, approval). */
  sendAfter: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
  openedAt: number | null;
  clickedAt: number | null;
  bouncedAt: number | null;
  bounceHard: boolean;
  complainedAt: number | null;
  unsubscribedAt: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A `messages` row (every column but the payload is enough) as a view. */
export function messageView(r: Omit<MessageRow, "payload">): MessageView {
  return {
    id: Number(r.id), campaign: r.campaign_id, element: r.element, contact: r.contact_id, channel: r.channel,
    communicationType: r.comm_type, status: r.status, reason: r.reason, createdAt: Number(r.created_at), sendAfter: num(r.send_after),
    sentAt: num(r.sent_at), deliveredAt: num(r.delivered_at), openedAt: num(r.opened_at), clickedAt: num(r.clicked_at),
    bouncedAt: num(r.bounced_at), bounceHard: !!r.bounce_hard, complainedAt: num(r.complained_at), unsubscribedAt: num(r.unsubscribed_at),
  };
}

/** The rendered payload column: `{}` for a skipped message, what the engine rendered otherwise. */
export function parsePayload(raw: string | null | undefined): Record<string, unknown> {
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}
