import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

import { shortCode, type LinkKind, type MessageKey, type MessageLinks } from "../engine/links.js";

export type { LinkKind, MessageKey } from "../engine/links.js";

const PATHS: Record<LinkKind, string> = { open: "/t/o/", click: "/t/c/", unsubscribe: "/u/", view: "/v/" };

/**
 * Signed links for messages: open pixel, click redirect, unsubscribe page, view online. A link
 * carries the message key and an HMAC-SHA256 (truncated to 128 bits) over the link's kind, the
 * key and, for a click, the target URL, under a key derived from the server secret. A link whose
 * signature does not match is refused by the tracking endpoints: never an open redirect, and one
 * message's link cannot be turned into another's.
 *
 * Formats (`<t>` = base64url of `journey:element:hop`, `<s>` = base64url signature):
 * `/t/o/<t>.<s>.gif`, `/t/c/<t>.<s>?u=<url>`, `/u/<t>.<s>`, `/v/<t>.<s>`.
 */
export class LinkSigner implements MessageLinks {
  private readonly key: Buffer;

  constructor(secret: Buffer, readonly baseUrl: string) {
    this.key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "relais tracked links v1", 32));
  }


  token(kind: LinkKind | "bounce", key: MessageKey, url?: string): string {
    const t = Buffer.from(`${key.journey}:${key.element}:${key.hop}`).toString("base64url");
    return `${t}.${this.sign(kind, t, url)}`;
  }

  url(kind: LinkKind, key: MessageKey, target?: string): string {
    const token = this.token(kind, key, target);
    const base = this.baseUrl.replace(/\/+$/, "");
    if (kind === "open") return `${base}${PATHS.open}${token}.gif`;
    if (kind === "click") return `${base}${PATHS.click}${token}?u=${encodeURIComponent(target ?? "")}`;
    return `${base}${PATHS[kind]}${token}`;
  }

  /** A short SMS click link: `{base}/l/<journey36>.<hop36>.<index36>.<s>`, `<s>` 12 base64url characters (72 bits) of HMAC. */
  short(key: MessageKey, index: number): string {
    const code = shortCode(key, index);
    return `${this.baseUrl.replace(/\/+$/, "")}/l/${code}.${this.sign("short", code).slice(0, 12)}`;
  }

  /** What a short link's code names (journey, hop, link index), or undefined when malformed or forged. */
  verifyShort(code: string): { journey: number; hop: number; index: number } | undefined {
    const m = /^([0-9a-z]{1,11})\.([0-9a-z]{1,6})\.([0-9a-z]{1,3})\.([A-Za-z0-9_-]{12})$/.exec(code);
    if (!m) return undefined;
    const expected = Buffer.from(this.sign("short", `${m[1]}.${m[2]}.${m[3]}`).slice(0, 12));
    const given = Buffer.from(m[4]);
    if (!timingSafeEqual(expected, given)) return undefined;
    return { journey: parseInt(m[1], 36), hop: parseInt(m[2], 36), index: parseInt(m[3], 36) };
  }

  /** The message key a token names, or undefined when it is malformed or its signature does not match. */
  verify(kind: LinkKind | "bounce", token: string, url?: string): MessageKey | undefined {
    const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})(?:\.gif)?$/.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.sign(kind, m[1], url));
    const given = Buffer.from(m[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const parts = /^(\d{1,15}):(.+):(\d{1,9})$/.exec(Buffer.from(m[1], "base64url").toString("utf8"));
    if (!parts) return undefined;
    return { journey: Number(parts[1]), element: parts[2], hop: Number(parts[3]) };
  }

  private sign(kind: LinkKind | "bounce" | "short", t: string, url?: string): string {
    const h = createHmac("sha256", this.key).update(kind).update("\0").update(t);
    if (kind === "click") h.update("\0").update(url ?? "");
    return h.digest().subarray(0, 16).toString("base64url");
  }

  /**
   * The Message-ID of an email: `<m.<t>.<s>@domain>`, signed like a link, so a bounce or a
   * complaint quoting it finds its message without a lookup table, and a forged one finds nothing.
   */
  messageId(key: MessageKey, domain: string): string {
    return `<m.${this.token("bounce", key)}@${domain}>`;
  }

  /** The VERP envelope sender (Return-Path) of an email: `<local>+<t>.<s>@domain`; bounces come back to it. */
  verp(key: MessageKey, local: string, domain: string): string {
    return `${local}+${this.token("bounce", key)}@${domain}`;
  }

  /** The message a Message-ID (with or without angle brackets) or a VERP address names; undefined when not ours or forged. */
  parseBounceAddress(value: string): MessageKey | undefined {
    const v = value.trim().replace(/^<|>$/g, "");
    const m = /^(?:m\.|[^+@\s]+\+)([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22})@[^@\s]+$/.exec(v);
    return m ? this.verify("bounce", m[1]) : undefined;
  }
}
