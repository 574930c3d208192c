import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { MessageKey } from "../engine/links.js";

/** How long the token a click adds to a site URL identifies its visitor (from the click). */
export const CLICK_TOKEN_TTL_MS = 30 * 24 * 3600_000;
/** Default and maximum lifetime of a token a site's backend asks for. */
export const CONTACT_TOKEN_TTL_MS = 24 * 3600_000;
export const CONTACT_TOKEN_MAX_TTL_MS = 30 * 24 * 3600_000;
/** The query parameter a click redirect adds to a declared site's URL; the tracker reads then removes it. */
export const SITE_TOKEN_PARAM = "relais_t";

/** Who a valid site identity token names. */
export type SiteIdentity =
  | { kind: "message"; key: MessageKey }
  | { kind: "contact"; projectId: string; contactId: string };

export type SiteIdentityCheck = SiteIdentity | { problem: "invalid" | "expired" };

/**
 * The proof a browser gives to tie its visitor to a contact: `<payload>.<signature>`, the payload
 * base64url JSON, the signature 128 bits of HMAC-SHA256 under a key derived from the server
 * secret for this use only (a click, view or bounce token is never accepted here, nor the reverse).
 *
 * - `["m", journey, element, hop, issuedAt]`: added by the click redirect of a message; names the
 *   message, so the URL carries no address; valid `CLICK_TOKEN_TTL_MS` after the click.
 * - `["c", projectId, contactId, expiresAt]`: asked for by the site's backend with an API key
 *   (`POST /api/v1/projects/:projectId/site/identity-tokens`), for a signed-in customer.
 */
export class SiteTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "relais site identity v1", 32));
  }

  forMessage(key: MessageKey, now: number): string {
    return this.seal(["m", key.journey, key.element, key.hop, Math.floor(now / 1000)]);
  }

  forContact(projectId: string, contactId: string, expiresAt: number): string {
    return this.seal(["c", projectId, contactId, Math.floor(expiresAt / 1000)]);
  }

  verify(token: string, now: number): SiteIdentityCheck {
    const m = /^([A-Za-z0-9_-]{1,2800})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!m) return { problem: "invalid" };
    const expected = Buffer.from(this.sign(m[1]));
    const given = Buffer.from(m[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { problem: "invalid" };
    let p: unknown;
    try {
      p = JSON.parse(Buffer.from(m[1], "base64url").toString("utf8"));
    } catch {
      return { problem: "invalid" };
    }
    if (!Array.isArray(p)) return { problem: "invalid" };
    const nowS = now / 1000;
    if (p[0] === "m" && p.length === 5 && Number.isSafeInteger(p[1]) && typeof p[2] === "string" && Number.isSafeInteger(p[3]) && typeof p[4] === "number") {
      if (nowS > p[4] + CLICK_TOKEN_TTL_MS / 1000) return { problem: "expired" };
      return { kind: "message", key: { journey: p[1], element: p[2], hop: p[3] } };
    }
    if (p[0] === "c" && p.length === 4 && typeof p[1] === "string" && typeof p[2] === "string" && typeof p[3] === "number") {
      if (nowS > p[3]) return { problem: "expired" };
      return { kind: "contact", projectId: p[1], contactId: p[2] };
    }
    return { problem: "invalid" };
  }

  private seal(payload: unknown[]): string {
    const t = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${t}.${this.sign(t)}`;
  }

  private sign(t: string): string {
    return createHmac("sha256", this.key).update(t).digest().subarray(0, 16).toString("base64url");
  }
}
