import type { Reference } from "../catalog/element-def.js";
import { draft, type Draft } from "./draft.js";
import { isDelay, isMessageEventCondition, isOnSendCondition, isSend, isUnknownType } from "./element-kinds.js";
import type { Flow } from "./flow.js";
import { forwardMust, reachableFrom, SET_LATTICE } from "./graph.js";
import { attempt, hasValidParams, type ResolvedCampaign } from "./resolved-campaign.js";

/**
 * `E_SEND_CONDITION_PLACEMENT`, `W_NO_DELAY_BEFORE_MESSAGE_CONDITION` and `E_MESSAGE_REF`:
 * where the ★ conditions stand relative to the sends. Paths start at triggers. An element
 * of unknown type might be a send or a delay, so it ends a path for these checks.
 */
export function checkSendConditions(campaign: ResolvedCampaign, flow: Flow): Draft[] {
  const { graph } = flow;
  const el = flow.element;
  const drafts: Draft[] = [];

  // Reached from a trigger by a path that has met neither a send nor a delay.
  const bare = reachableFrom(graph, flow.triggers, (id) => !isSend(el(id)) && !isDelay(el(id)) && !isUnknownType(el(id)));
  // Reached from a send (on a trigger's path) with no delay since.
  const sends = graph.nodes.filter((id) => flow.reachable.has(id) && isSend(el(id)));
  const undelayed = reachableFrom(graph, sends, (id) => !isDelay(el(id)) && !isUnknownType(el(id)));
  // The sends behind each element on every path from a trigger.
  const upstream = forwardMust<ReadonlySet<string> | null>(
    graph,
    flow.triggers,
    new Set<string>(),
    (id, before) => (isSend(el(id)) && before !== null ? new Set([...before, id]) : before),
    SET_LATTICE,
  );

  for (const id of graph.nodes) {
    const e = el(id);
    if (isOnSendCondition(e) && bare.has(id)) drafts.push(draft("E_SEND_CONDITION_PLACEMENT", {}, { element: id }));
    else if (isMessageEventCondition(e) && undelayed.has(id)) drafts.push(draft("W_NO_DELAY_BEFORE_MESSAGE_CONDITION", {}, { element: id }));

    if (!hasValidParams(e)) continue;
    const refs = attempt(() => e.def!.references?.(e.params) ?? [], [] as Reference[]).filter((r) => r.kind === "message");
    for (const ref of refs) {
      const target = campaign.byId.get(ref.key);
      if (target && isUnknownType(target)) continue;
      if (!target || !isSend(target)) {
        drafts.push(draft("E_MESSAGE_REF", { message: ref.key, reason: "notASend" }, { element: id, path: ref.path }));
        continue;
      }
      const before = upstream.get(id);
      if (before !== undefined && before !== null && !before.has(ref.key))
        drafts.push(draft("E_MESSAGE_REF", { message: ref.key, reason: "notUpstream" }, { element: id, path: ref.path }));
    }
  }
  return drafts;
}
