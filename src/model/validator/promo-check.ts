import { draft, type Draft } from "./draft.js";
import { isPromoGrant, isUnknownType, showsPromoCode } from "./element-kinds.js";
import type { Flow } from "./flow.js";
import { reachableFrom } from "./graph.js";

/**
 * `E_PROMO_WITHOUT_EMAIL`: a granted code nobody would ever see. An element of unknown
 * type might be the email, so reaching one is enough.
 */
export function checkPromoCodes(flow: Flow): Draft[] {
  const { graph } = flow;
  return graph.nodes
    .filter((id) => isPromoGrant(flow.element(id)))
    .filter((id) => ![...reachableFrom(graph, [id])].some((n) => showsPromoCode(flow.element(n)) || isUnknownType(flow.element(n))))
    .map((id) => draft("E_PROMO_WITHOUT_EMAIL", {}, { element: id }));
}
