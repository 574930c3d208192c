/**
 * Pure figures the report panel draws: a send element's funnel, the outcomes, and an A/X test's
 * results per variant. Everything comes from `GET /campaigns/:id/report` and the campaign's
 * document; nothing here fetches or renders.
 */

/** A send element's figures as the report route gives them (the part the funnel uses). */
export interface SendFigures {
  channel: string;
  reached: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  skipped?: Record<string, number>;
  pendingApproval?: number;
  failed?: number;
}

export interface FunnelStep {
  key: "sent" | "delivered" | "opened" | "clicked";
  count: number;
  /** Share of the previous step (sent: null). Opened and clicked are over delivered, like the server's rates. */
  rate: number | null;
  /** Share of the messages sent (sent: 1 when any was sent). */
  ofSent: number | null;
  /** Bar width, 0 to 1, relative to the largest step. */
  width: number;
}

export const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/** A rate as a percentage with one decimal ("—" when there is no denominator). */
export function pct(r: number | null | undefined, lang: "fr" | "en" = "fr"): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "—";
  const v = Math.round(r * 1000) / 10;
  return lang === "fr" ? `${String(v).replace(".", ",")} %` : `${v}%`;
}

/**
 * sent → delivered → opened → clicked. SMS and push have no open or click tracking: their funnel
 * stops at delivered.
 */
export function funnelSteps(s: SendFigures): FunnelStep[] {
  const keys: FunnelStep["key"][] = s.channel === "email" ? ["sent", "delivered", "opened", "clicked"] : ["sent", "delivered"];
  const counts: Record<FunnelStep["key"], number> = { sent: s.sent, delivered: s.delivered, opened: s.opened, clicked: s.clicked };
  const max = Math.max(1, ...keys.map((k) => counts[k]));
  return keys.map((key) => ({
    key,
    count: counts[key],
    rate: key === "sent" ? null : ratio(counts[key], key === "delivered" ? s.sent : s.delivered),
    ofSent: ratio(counts[key], s.sent),
    width: counts[key] / max,
  }));
}

export interface OutcomeRow { key: string; count: number; rate: number | null }

/** The outcomes in a fixed order (success first), each with its share of the journeys; empty ones kept. */
export function outcomeRows(outcomes: Record<string, { count: number; rate: number | null }>): OutcomeRow[] {
  const order = ["success", "failure", "abandon", "neutral", "none", "inProgress"];
  const keys = [...order.filter((k) => k in outcomes), ...Object.keys(outcomes).filter((k) => !order.includes(k))];
  return keys.map((k) => ({ key: k, count: outcomes[k].count, rate: outcomes[k].rate }));
}

interface DocLike {
  elements: { id: string; type: string; params: Record<string, unknown> }[];
  connections: { from: string; exit: string; to: string }[];
}

/** Elements reachable from an element's exit (the exit's target and everything after it). */
export function downstreamOfExit(doc: DocLike, from: string, exit: string): Set<string> {
  const seen = new Set<string>();
  const stack = doc.connections.filter((c) => c.from === from && c.exit === exit).map((c) => c.to);
  while (stack.length) {
    const cur = stack.pop()!;
    if (seen.has(cur) || cur === from) continue;
    seen.add(cur);
    for (const c of doc.connections) if (c.from === cur) stack.push(c.to);
  }
  return seen;
}

export type AxMetric = "opens" | "clicks" | "success";

export interface VariantResult {
  key: string;
  percent: number;
  /** Contacts routed to the variant (its exit's count, winners released included). */
  contacts: number;
  /** Send elements only this variant's branch reaches (where its messages are counted). */
  sends: string[];
  sent: number;
  opened: number;
  clicked: number;
  openRate: number | null;
  clickRate: number | null;
  /** Contacts that reached an `end.success` only this branch reaches. */
  successes: number;
  /** The test's metric: opened, clicked or succeeded ÷ contacts routed (the automatic winner's rule). */
  metric: number | null;
}

export interface AxResults {
  mode: "manual" | "auto";
  metric: AxMetric;
  variants: VariantResult[];
  /** Contacts held at the test, waiting for the winner. */
  waiting: number;
  /** The best variant by the metric so far (ties: first listed); null while nobody was routed. */
  leader: string | null;
}

/**
 * An A/X test's results per variant. The report counts messages per send element, so a variant's
 * figures are those of the send elements reachable from its exit and from no other variant's
 * (elements where the branches meet again belong to none). Open and click rates are over
 * messages sent; the metric, like the automatic choice, is over the contacts routed. In manual
 * mode the metric shown is opens.
 */
export function axResults(
  doc: DocLike,
  elementId: string,
  report: { elements: Record<string, { entered: number; waiting: number; exits: Record<string, number> }>; sends: Record<string, SendFigures> },
): AxResults | null {
  const el = doc.elements.find((e) => e.id === elementId);
  if (!el || el.type !== "split.axTest") return null;
  const variants = (Array.isArray(el.params.variants) ? el.params.variants : []) as { key: string; percent: number }[];
  const winner = (el.params.winner ?? { mode: "manual" }) as { mode: "manual" | "auto"; metric?: AxMetric };
  const metric: AxMetric = winner.mode === "auto" && winner.metric ? winner.metric : "opens";
  const branches = variants.map((v) => downstreamOfExit(doc, elementId, v.key));
  const figures = report.elements[elementId];
  const types = new Map(doc.elements.map((e) => [e.id, e.type]));
  const results = variants.map((v, i): VariantResult => {
    const own = [...branches[i]].filter((id) => branches.every((b, j) => j === i || !b.has(id)));
    const sends = own.filter((id) => report.sends[id]);
    const sum = (k: "sent" | "opened" | "clicked") => sends.reduce((a, id) => a + report.sends[id][k], 0);
    const contacts = figures?.exits[v.key] ?? 0;
    const successes = own.filter((id) => types.get(id) === "end.success").reduce((a, id) => a + (report.elements[id]?.entered ?? 0), 0);
    const sent = sum("sent");
    const opened = sum("opened");
    const clicked = sum("clicked");
    const good = metric === "opens" ? opened : metric === "clicks" ? clicked : successes;
    return {
      key: v.key, percent: v.percent, contacts, sends, sent, opened, clicked,
      openRate: ratio(opened, sent), clickRate: ratio(clicked, sent), successes,
      metric: contacts > 0 ? Math.min(1, good / contacts) : null,
    };
  });
  let leader: string | null = null;
  let best = -1;
  for (const r of results) {
    if (r.metric !== null && r.metric > best) {
      best = r.metric;
      leader = r.key;
    }
  }
  return { mode: winner.mode, metric, variants: results, waiting: figures?.waiting ?? 0, leader };
}
