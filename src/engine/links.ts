/** What a tracked link does. */
export type LinkKind = "open" | "click" | "unsubscribe" | "view";

/** The message a link is about: its natural key in the outbox, known before the message row exists. */
export interface MessageKey {
  journey: number;
  element: string;
  hop: number;
}

/**
 * Builds the links a message carries (unsubscribe, view online, open pixel, click redirects).
 * The server's implementation signs them (src/channels/links.ts); the engine only asks for URLs.
 */
export interface MessageLinks {
  readonly baseUrl: string;
  url(kind: LinkKind, key: MessageKey, target?: string): string;
  /**
   * A short click link for SMS: `{base}/l/<code>`. The code names the message by journey and hop
   * and the link by its index in the message's `payload.links`; the target URL is read from the
   * stored message, so it is never in the link (no open redirect, ~25 characters after the base).
   */
  short(key: MessageKey, index: number): string;
}

/** The parts of a short link's code: `<journey>.<hop>.<index>` in base 36. */
export function shortCode(key: MessageKey, index: number): string {
  return `${key.journey.toString(36)}.${key.hop.toString(36)}.${index.toString(36)}`;
}

const PATHS: Record<LinkKind, string> = { open: "/t/o/", click: "/t/c/", unsubscribe: "/u/", view: "/v/" };

/**
 * Unsigned links, for simulations: well formed, but the tracking endpoints refuse them (a live
 * engine is always given the server's signer).
 */
export function unsignedLinks(baseUrl: string): MessageLinks {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    baseUrl,
    url(kind, key, target) {
      const t = `${key.journey}:${key.element}:${key.hop}`;
      const encoded = encodeURIComponent(t);
      if (kind === "open") return `${base}${PATHS.open}${encoded}.gif`;
      if (kind === "click") return `${base}${PATHS.click}${encoded}?u=${encodeURIComponent(target ?? "")}`;
      return `${base}${PATHS[kind]}${encoded}`;
    },
    short(key, index) {
      return `${base}/l/${shortCode(key, index)}`;
    },
  };
}
