import { isTrigger } from "./element-kinds.js";
import { Graph, reachableFrom } from "./graph.js";
import { isNote, type ResolvedCampaign, type ResolvedConnection, type ResolvedElement } from "./resolved-campaign.js";

/** The campaign as a graph of valid connections, with the facts every path check starts from. */
export interface Flow {
  graph: Graph;
  /** The element of a graph node. */
  element(id: string): ResolvedElement;
  /** Path starts. */
  triggers: string[];
  /** Triggers and every element a trigger leads to. */
  reachable: Set<string>;
}

/**
 * Notes are left out (they are never connected). Elements of unknown type stay in as
 * plain nodes: connections through them are legitimate, only their behaviour is unknown.
 */
export function buildFlow(campaign: ResolvedCampaign, edges: ResolvedConnection[]): Flow {
  const nodes = campaign.elements.filter((e) => !isNote(e));
  const graph = new Graph(nodes.map((e) => e.id), edges);
  const triggers = nodes.filter(isTrigger).map((e) => e.id);
  return {
    graph,
    element: (id) => campaign.byId.get(id)!,
    triggers,
    reachable: new Set([...triggers, ...reachableFrom(graph, triggers)]),
  };
}
