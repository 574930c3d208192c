import { z } from "zod";
import { tableRowProblems } from "../contacts/contact-tables.js";
import type { ProjectConfig } from "../model/index.js";
import type { ProblemDetail } from "../server/errors.js";

/** What one request to the collect endpoint may carry (docs/site-tracking.md, "Limits"). */
export const SITE_LIMITS = {
  /** Bytes of one request body. */
  bodyBytes: 32 * 1024,
  /** Events in one request (the tracker sends at most this many at a time). */
  eventsPerBatch: 50,
  /** Requests per visitor, and per client IP address, per minute. */
  perVisitorPerMinute: 60,
  perIpPerMinute: 300,
} as const;

const Text = (max: number) => z.string().min(1).max(max);
const Url = z.string().max(2000).regex(/^https?:\/\/[^\s]+$/i, "an absolute http(s) URL");
const Sku = Text(200);

const Item = z.strictObject({
  sku: Sku,
  quantity: z.number().positive().max(100_000),
  price: z.number().nonnegative().max(1e9).optional(),
  name: Text(300).optional(),
  url: Url.optional(),
  image: Url.optional(),
  category: Text(200).optional(),
});

/** One event the tracker sends. The server dates it on arrival; the browser's clock is not trusted. */
export const SiteEventIn = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("page_view"), url: Url, title: z.string().max(500).optional(), referrer: z.string().max(2000).optional() }),
  z.strictObject({ type: z.literal("product_view"), sku: Sku, category: Text(200).optional() }),
  z.strictObject({ type: z.literal("cart_update"), items: z.array(Item).max(200) }),
  z.strictObject({
    type: z.literal("purchase"), orderId: Text(200).optional(), total: z.number().nonnegative().max(1e12).optional(), items: z.array(Item).max(200).optional(),
  }),
  // A row for one of the project's profiling tables that accepts rows from the site (a form: an event registration, a quiz…).
  z.strictObject({
    type: z.literal("table_row"), table: Text(100),
    row: z.record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
      .refine((r) => Object.keys(r).length <= 50, "at most 50 columns"),
  }),
]);
export type SiteEventIn = z.infer<typeof SiteEventIn>;

/** The body of `POST /s/:project/collect`. */
export const SiteBatch = z.strictObject({
  visitor: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "the tracker's visitor id: 16 to 64 characters A-Z a-z 0-9 _ -"),
  identify: z.string().min(1).max(3000).optional().describe("a site identity token (from a Relais link click or the site's backend)"),
  events: z.array(SiteEventIn).max(SITE_LIMITS.eventsPerBatch),
});
export type SiteBatch = z.infer<typeof SiteBatch>;

/**
 * Problems zod cannot see: a page that is not on one of the project's sites; a table row for a
 * table that is unknown or does not accept rows from the site, or whose values do not fit its columns.
 */
export function batchProblems(batch: SiteBatch, config: Pick<ProjectConfig, "sites" | "tables">): ProblemDetail[] {
  const sites = config.sites ?? [];
  const out: ProblemDetail[] = [];
  batch.events.forEach((ev, i) => {
    if (ev.type === "table_row") {
      const def = config.tables.find((t) => t.key === ev.table);
      if (!def) out.push({ path: `body.events.${i}.table`, message: `unknown profiling table ${ev.table}` });
      else if (def.site !== true) out.push({ path: `body.events.${i}.table`, message: `table ${ev.table} does not accept rows from the site (its "site" setting is off)` });
      else out.push(...tableRowProblems(def, ev.row, `body.events.${i}.row`).problems);
      return;
    }
    if (ev.type !== "page_view") return;
    let origin: string | undefined;
    try {
      origin = new URL(ev.url).origin;
    } catch {
      // not a URL: reported below
    }
    if (!origin || !sites.includes(origin)) out.push({ path: `body.events.${i}.url`, message: `${origin ?? ev.url} is not one of the project's sites` });
  });
  return out;
}
