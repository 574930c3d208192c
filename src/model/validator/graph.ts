/**
 * A directed graph of element ids, with the few algorithms the validator needs. Every
 * analysis is a fixpoint or a traversal, never a path enumeration: campaigns may loop.
 */
export class Graph {
  private readonly out = new Map<string, string[]>();
  private readonly in = new Map<string, string[]>();
  private readonly order = new Map<string, number>();

  /** `nodes` in document order; edges between unknown nodes are ignored. */
  constructor(
    readonly nodes: readonly string[],
    edges: Iterable<{ from: string; to: string }>,
  ) {
    nodes.forEach((n, i) => {
      this.out.set(n, []);
      this.in.set(n, []);
      this.order.set(n, i);
    });
    for (const { from, to } of edges) {
      if (!this.out.has(from) || !this.in.has(to)) continue;
      this.out.get(from)!.push(to);
      this.in.get(to)!.push(from);
    }
  }

  successors(id: string): readonly string[] {
    return this.out.get(id) ?? [];
  }

  predecessors(id: string): readonly string[] {
    return this.in.get(id) ?? [];
  }

  /** Document position of a node, for stable orders. */
  position(id: string): number {
    return this.order.get(id) ?? Number.MAX_SAFE_INTEGER;
  }
}

/**
 * The nodes reached by at least one edge from `starts`. A reached node that `canPass`
 * refuses is included but not walked through; the starts are always walked from.
 */
export function reachableFrom(graph: Graph, starts: Iterable<string>, canPass: (id: string) => boolean = () => true): Set<string> {
  const reached = new Set<string>();
  const queue: string[] = [...starts];
  const expanded = new Set<string>(queue);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of graph.successors(id)) {
      reached.add(next);
      if (!expanded.has(next) && canPass(next)) {
        expanded.add(next);
        queue.push(next);
      }
    }
  }
  return reached;
}

/**
 * Strongly connected components of the subgraph of the nodes `include` accepts (Tarjan,
 * iterative). Members and components come in document order.
 */
export function stronglyConnected(graph: Graph, include: (id: string) => boolean): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const succ = (id: string) => graph.successors(id).filter(include);
  const visit = (id: string) => {
    index.set(id, counter);
    low.set(id, counter);
    counter++;
    stack.push(id);
    onStack.add(id);
  };

  for (const root of graph.nodes) {
    if (!include(root) || index.has(root)) continue;
    visit(root);
    const frames: { id: string; next: number; succ: string[] }[] = [{ id: root, next: 0, succ: succ(root) }];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      if (frame.next < frame.succ.length) {
        const w = frame.succ[frame.next++];
        if (!index.has(w)) {
          visit(w);
          frames.push({ id: w, next: 0, succ: succ(w) });
        } else if (onStack.has(w)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(w)!));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.id);
        components.push(component.sort((a, b) => graph.position(a) - graph.position(b)));
      }
    }
  }
  return components.sort((a, b) => graph.position(a[0]) - graph.position(b[0]));
}

/** Whether a strongly connected component holds a cycle: several nodes, or a self-loop. */
export function hasCycle(graph: Graph, component: readonly string[]): boolean {
  return component.length > 1 || graph.successors(component[0]).includes(component[0]);
}

/** A meet semilattice for must-analyses: `top` means "nothing learnt yet" (every path agrees). */
export interface MeetLattice<V> {
  top: V;
  meet(a: V, b: V): V;
  equal(a: V, b: V): boolean;
}

/**
 * Forward must-analysis: the value holding on entry to each node on EVERY path from a
 * source (greatest fixpoint). Sources start from `entry`; a node's exit value is
 * `transfer(node, entryValue)`. Only nodes reachable from a source get a value.
 */
export function forwardMust<V>(
  graph: Graph,
  sources: readonly string[],
  entry: V,
  transfer: (id: string, value: V) => V,
  lattice: MeetLattice<V>,
): Map<string, V> {
  const isSource = new Set(sources);
  const live = new Set<string>([...sources, ...reachableFrom(graph, sources)]);
  const values = new Map<string, V>();
  for (const id of graph.nodes) if (live.has(id)) values.set(id, isSource.has(id) ? entry : lattice.top);
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of graph.nodes) {
      if (!live.has(id)) continue;
      let v = isSource.has(id) ? entry : lattice.top;
      for (const p of graph.predecessors(id)) if (live.has(p)) v = lattice.meet(v, transfer(p, values.get(p)!));
      if (!lattice.equal(v, values.get(id)!)) {
        values.set(id, v);
        changed = true;
      }
    }
  }
  return values;
}

/** Sets where `null` stands for "every node" (the top of a must-analysis over sets). */
export const SET_LATTICE: MeetLattice<ReadonlySet<string> | null> = {
  top: null,
  meet: (a, b) => (a === null ? b : b === null ? a : new Set([...a].filter((x) => b.has(x)))),
  equal: (a, b) => a === b || (a !== null && b !== null && a.size === b.size && [...a].every((x) => b.has(x))),
};

/** Booleans under AND. */
export const AND_LATTICE: MeetLattice<boolean> = {
  top: true,
  meet: (a, b) => a && b,
  equal: (a, b) => a === b,
};
