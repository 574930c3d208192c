import dagre from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";
import { elementDef, type CampaignDocument, type CampaignElement, type Connection } from "../../src/model/index.js";

export interface ElementData extends Record<string, unknown> {
  type: string;
  params: Record<string, unknown>;
  label?: string;
}
export type ElementNode = Node<ElementData>;

/** The exits an element shows, from its parameters (none when they are too broken to tell). */
export function exitsOf(type: string, params: Record<string, unknown>): string[] {
  const def = elementDef(type);
  if (!def) return [];
  try {
    return def.exits(params as never);
  } catch {
    return [];
  }
}

export function toFlow(doc: CampaignDocument): { nodes: ElementNode[]; edges: Edge[] } {
  const nodes: ElementNode[] = doc.elements.map((e, i) => ({
    id: e.id,
    type: e.type === "note" ? "note" : "element",
    position: e.position ?? { x: 0, y: i * 140 },
    data: { type: e.type, params: e.params ?? {}, ...(e.label ? { label: e.label } : {}) },
    ...(e.type === "note" ? noteSize(e.params) : {}),
  }));
  const edges: Edge[] = doc.connections.map((c) => edgeOf(c));
  return { nodes, edges };
}

function noteSize(params: Record<string, unknown>): { width?: number; height?: number } {
  const s = params.size as { width?: number; height?: number } | undefined;
  return { width: s?.width ?? 200, height: s?.height ?? 120 };
}

export function edgeOf(c: Connection): Edge {
  return { id: `${c.from}:${c.exit}`, source: c.from, sourceHandle: c.exit, target: c.to, label: undefined, className: `exit-${c.exit}` };
}

export function toDoc(base: CampaignDocument, nodes: ElementNode[], edges: Edge[]): CampaignDocument {
  const elements: CampaignElement[] = nodes.map((n) => {
    let params = n.data.params;
    if (n.data.type === "note" && n.width && n.height) params = { ...params, size: { width: Math.round(n.width), height: Math.round(n.height) } };
    const e: CampaignElement = { id: n.id, type: n.data.type, params, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } };
    if (n.data.label) e.label = n.data.label;
    return e;
  });
  const connections: Connection[] = edges.map((e) => ({ from: e.source, exit: e.sourceHandle ?? "next", to: e.target }));
  return { ...base, elements, connections };
}

/** A fresh element id for a type: its family's letter and the next free number. */
export function newId(type: string, taken: Set<string>): string {
  const prefix = type === "note" ? "n" : (type.split(".")[0]?.[0] ?? "x");
  for (let i = 1; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** Top-to-bottom layout with dagre; notes keep their place. */
export function autoLayout(nodes: ElementNode[], edges: Edge[]): ElementNode[] {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 60, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) if (n.type !== "note") g.setNode(n.id, { width: n.measured?.width ?? 220, height: n.measured?.height ?? 70 });
  for (const e of edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return nodes.map((n) => {
    if (n.type === "note") return n;
    const p = g.node(n.id);
    return p ? { ...n, position: { x: p.x - (p.width ?? 220) / 2, y: p.y - (p.height ?? 70) / 2 } } : n;
  });
}

/** Why a connection is refused, or undefined when it is fine. */
export function refusal(nodes: ElementNode[], edges: Edge[], c: { source: string | null; target: string | null; sourceHandle?: string | null }):
  "refusedSelf" | "refusedTaken" | "refusedTrigger" | "refusedNote" | undefined {
  if (!c.source || !c.target) return undefined;
  if (c.source === c.target) return "refusedSelf";
  const target = nodes.find((n) => n.id === c.target);
  const source = nodes.find((n) => n.id === c.source);
  if (target?.data.type === "note" || source?.data.type === "note") return "refusedNote";
  if (target && elementDef(target.data.type)?.family === "trigger") return "refusedTrigger";
  if (edges.some((e) => e.source === c.source && (e.sourceHandle ?? "next") === (c.sourceHandle ?? "next"))) return "refusedTaken";
  return undefined;
}
