/** Pure helpers for showing a rendered message (outbox, approvals). */

export interface OutboxMessage {
  id: number;
  campaign: string;
  element: string;
  contact: string;
  channel: string;
  status: string;
  reason: string | null;
  createdAt: number;
  sentAt: number | null;
  openedAt: number | null;
  clickedAt: number | null;
  payload: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Who the message went to: the payload's `to`, else the contact. */
export function recipientOf(m: OutboxMessage): string {
  return str(m.payload.to) ?? m.contact;
}

/** One line for the list: an email's subject, a push's title, an SMS's text (shortened), or the skip reason. */
export function summaryOf(m: OutboxMessage, max = 90): string {
  const s = str(m.payload.subject) ?? str(m.payload.title) ?? str(m.payload.text) ?? str(m.payload.body) ?? (m.reason ? `(${m.reason})` : "");
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * An email's HTML made safe to look at in the app: the open-tracking pixel is removed (looking
 * is not an open) and links open outside the frame, which its sandbox forbids, so a look is
 * never a click either. The frame itself has `sandbox=""`: no scripts, no forms, no navigation.
 */
export function viewerHtml(html: string): string {
  const noPixel = html.replace(/<img\b[^>]*\bsrc\s*=\s*["'][^"']*\/t\/o\/[^"']*["'][^>]*>/gi, "");
  const base = '<base target="_blank">';
  if (/<head[^>]*>/i.test(noPixel)) return noPixel.replace(/<head([^>]*)>/i, `<head$1>${base}`);
  return `${base}${noPixel}`;
}
