import { draft, type Draft } from "./draft.js";
import { isDelay, isUnknownType } from "./element-kinds.js";
import type { Flow } from "./flow.js";
import { hasCycle, stronglyConnected } from "./graph.js";

/**
 * `E_CYCLE_WITHOUT_DELAY`. The delay-free loops are exactly the cycles of the graph with
 * its delays taken out; each strongly connected component of that graph that holds a
 * cycle is one loop to fix, reported on its first element in document order. An element of
 * unknown type might be a delay, so it breaks loops too (`E_UNKNOWN_TYPE` is reported).
 */
export function checkCycles(flow: Flow): Draft[] {
  const { graph } = flow;
  const keep = (id: string) => !isDelay(flow.element(id)) && !isUnknownType(flow.element(id));
  return stronglyConnected(graph, keep)
    .filter((component) => hasCycle(graph, component))
    .map((component) => draft("E_CYCLE_WITHOUT_DELAY", { elements: component }, { element: component[0] }));
}
