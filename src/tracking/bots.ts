/**
 * Opens that are a machine's, not the contact's. Mail privacy proxies and security scanners
 * fetch every image or link of a message, usually within seconds of its delivery; counting them
 * would make `condition.messageOpened` true for everyone and skew optimized send times.
 */
const BOT_AGENTS = [
  /GoogleImageProxy/i, // Gmail's image proxy (prefetches at delivery)
  /YahooMailProxy/i,
  /Mozilla\/5\.0 \(Macintosh; Intel Mac OS X 10_15_7\) AppleWebKit\/605\.1\.15 \(KHTML, like Gecko\)$/, // Apple Mail Privacy Protection's fetcher
  /Barracuda|Mimecast|Proofpoint|MessageLabs|Symantec|Trend ?Micro|SophosLabs|ZScaler|FireEye|Cisco|IronPort|Forcepoint/i,
  /bot|crawler|spider|preview|scanner|curl|wget|python-requests|Go-http-client|okhttp|Java\//i,
];

/** How soon after sending an open is taken for a prefetch (the contact has hardly received it). */
export const PREFETCH_WINDOW_MS = 2_000;

/** Why an open or click is a machine's, or undefined when it looks like a person's. */
export function botReason(userAgent: string | undefined, sentAt: number | null, at: number): "agent" | "prefetch" | undefined {
  if (!userAgent || BOT_AGENTS.some((re) => re.test(userAgent))) return "agent";
  if (sentAt !== null && at - sentAt < PREFETCH_WINDOW_MS) return "prefetch";
  return undefined;
}
