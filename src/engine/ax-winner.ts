import type { Store } from "../store/store.js";
import type { CompiledCampaign } from "./compiled-campaign.js";

/**
 * The automatic winner of an A/X test: the variant with the best rate (ties: first listed). A
 * variant's rate is its contacts who opened (`opens`) or clicked (`clicks`) a message sent on its
 * branch, or reached `end.success` (`success`), over the contacts routed to it (released ones excluded).
 */
export async function autoWinner(store: Store, compiled: CompiledCampaign, campaignId: string, element: string): Promise<string> {
  const el = compiled.get(element)!;
  const variants = el.params.variants as { key: string }[];
  const metric = el.params.winner.metric as "opens" | "clicks" | "success";
  const routed = await store.variantJourneys(element, campaignId);
  const journeys = routed.map((r) => r.journey);
  const good = new Set<number>();
  if (metric === "success") {
    for (const [j, o] of await store.journeyOutcomes(journeys)) if (o === "success") good.add(j);
  } else {
    const branch = new Map(variants.map((v) => [v.key, compiled.downstreamOfExit(element, v.key)]));
    const variantOf = new Map(routed.map((r) => [r.journey, r.variant]));
    for (const m of await store.journeyMessages(journeys)) {
      if (!branch.get(variantOf.get(m.journey)!)?.has(m.element)) continue;
      if (metric === "clicks" ? m.clickedAt !== null : m.openedAt !== null || m.clickedAt !== null) good.add(m.journey);
    }
  }
  let best = variants[0].key;
  let bestRate = -1;
  for (const v of variants) {
    const mine = routed.filter((r) => r.variant === v.key);
    const rate = mine.length ? mine.filter((r) => good.has(r.journey)).length / mine.length : 0;
    if (rate > bestRate) {
      best = v.key;
      bestRate = rate;
    }
  }
  return best;
}
