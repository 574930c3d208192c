import { draft, type Draft } from "./draft.js";
import { isApproval, isEmail, isEnd, isUnknownType, requestsApproval } from "./element-kinds.js";
import type { Flow } from "./flow.js";
import { AND_LATTICE, forwardMust, reachableFrom } from "./graph.js";
import { hasValidParams, type ResolvedCampaign } from "./resolved-campaign.js";

/**
 * `E_APPROVAL_OPTIMIZED_TIME`, `E_APPROVAL_WITHOUT_REQUEST` and `E_APPROVAL_MISSING`.
 * `requestApproval` is read from the raw parameters so that an email with some other
 * invalid parameter still pairs with its approval. An element of unknown type might be
 * the missing half, so it satisfies both path checks.
 */
export function checkApprovals(campaign: ResolvedCampaign, flow: Flow): Draft[] {
  const { graph } = flow;
  const el = flow.element;
  const drafts: Draft[] = [];

  for (const e of campaign.elements) {
    if (!isEmail(e) || !hasValidParams(e)) continue;
    const p = e.params as { requestApproval?: boolean; optimizedSendTime?: boolean };
    if (p.requestApproval === true && p.optimizedSendTime === true)
      drafts.push(draft("E_APPROVAL_OPTIMIZED_TIME", {}, { element: e.id, path: "params.optimizedSendTime" }));
  }

  const requested = forwardMust(
    graph,
    flow.triggers,
    false,
    (id, before) => before || requestsApproval(el(id)) || isUnknownType(el(id)),
    AND_LATTICE,
  );
  for (const id of graph.nodes)
    if (isApproval(el(id)) && requested.get(id) === false) drafts.push(draft("E_APPROVAL_WITHOUT_REQUEST", {}, { element: id }));

  const connectedExits = new Set(campaign.connections.map((c) => JSON.stringify([c.from, c.exit])));
  // Where a journey can stop: an end, an exit left open, or nowhere left to go.
  const stopsHere = (id: string) => {
    const e = el(id);
    return isEnd(e) || graph.successors(id).length === 0 || (e.exits ?? []).some((x) => !connectedExits.has(JSON.stringify([id, x])));
  };
  const approves = (id: string) => isApproval(el(id)) || isUnknownType(el(id));
  for (const id of graph.nodes) {
    if (!requestsApproval(el(id))) continue;
    const after = reachableFrom(graph, [id], (n) => !approves(n));
    if (stopsHere(id) || [...after].some((n) => !approves(n) && stopsHere(n))) drafts.push(draft("E_APPROVAL_MISSING", {}, { element: id }));
  }
  return drafts;
}
