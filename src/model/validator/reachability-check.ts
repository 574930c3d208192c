import { draft, type Draft } from "./draft.js";
import { isTrigger, isUnknownType } from "./element-kinds.js";
import type { Flow } from "./flow.js";

/** `W_UNREACHABLE`. With no trigger at all, `E_NO_TRIGGER` already says it for every element. */
export function checkReachability(flow: Flow): Draft[] {
  if (flow.triggers.length === 0) return [];
  return flow.graph.nodes
    .filter((id) => !flow.reachable.has(id))
    .filter((id) => !isTrigger(flow.element(id)) && !isUnknownType(flow.element(id)))
    .map((id) => draft("W_UNREACHABLE", {}, { element: id }));
}
