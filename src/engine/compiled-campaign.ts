import { elementDef, type CampaignDocument, type CampaignElement, type ElementDef, type ProjectConfig } from "../model/index.js";

export interface CompiledElement {
  id: string;
  type: string;
  def: ElementDef<any>;
  params: any;
  /** Position in processing order: upstream elements first. */
  rank: number;
}

/**
 * A campaign document made ready to run: parameters parsed, connections indexed, elements
 * ranked so that, within one instant, everything upstream of an element is drained before it runs
 * (delays break loops).
 */
export class CompiledCampaign {
  readonly elements = new Map<string, CompiledElement>();
  readonly order: CompiledElement[] = [];
  private readonly next = new Map<string, string>();
  private readonly incoming = new Map<string, string[]>();
  readonly timezone: string;

  constructor(readonly doc: CampaignDocument, project: ProjectConfig) {
    this.timezone = doc.timezone ?? project.timezone;
    for (const el of doc.elements) {
      const def = elementDef(el.type);
      if (!def || def.family === "utility" || this.elements.has(el.id)) continue;
      const parsed = def.params.safeParse(el.params ?? {});
      if (!parsed.success) throw new Error(`element ${el.id}: invalid parameters`);
      this.elements.set(el.id, { id: el.id, type: el.type, def, params: parsed.data, rank: 0 });
    }
    for (const c of doc.connections) {
      if (!this.elements.has(c.from) || !this.elements.has(c.to)) continue;
      this.next.set(`${c.from}\u0000${c.exit}`, c.to);
      const list = this.incoming.get(c.to) ?? [];
      list.push(c.from);
      this.incoming.set(c.to, list);
    }
    this.rank(doc.elements);
  }

  private rank(docOrder: CampaignElement[]): void {
    // Kahn's algorithm over edges that do not leave a delay; leftovers (invalid loops) in document order.
    const indeg = new Map<string, number>();
    for (const id of this.elements.keys()) indeg.set(id, 0);
    const edges: [string, string][] = [];
    for (const [key, to] of this.next) {
      const from = key.split("\u0000")[0];
      if (this.elements.get(from)!.def.family === "delay") continue;
      edges.push([from, to]);
      indeg.set(to, indeg.get(to)! + 1);
    }
    const ids = docOrder.map((e) => e.id).filter((id, i, all) => this.elements.has(id) && all.indexOf(id) === i);
    const done = new Set<string>();
    while (done.size < ids.length) {
      const ready = ids.find((id) => !done.has(id) && indeg.get(id) === 0) ?? ids.find((id) => !done.has(id))!;
      done.add(ready);
      const el = this.elements.get(ready)!;
      el.rank = this.order.length;
      this.order.push(el);
      for (const [from, to] of edges) if (from === ready) indeg.set(to, indeg.get(to)! - 1);
    }
  }

  get(id: string): CompiledElement | undefined {
    return this.elements.get(id);
  }

  /** The element an exit leads to, if connected. */
  target(from: string, exit: string): string | undefined {
    return this.next.get(`${from}\u0000${exit}`);
  }

  /** How many connections lead into an element. */
  incomingCount(id: string): number {
    return this.incoming.get(id)?.length ?? 0;
  }

  triggers(): CompiledElement[] {
    return this.order.filter((e) => e.def.family === "trigger");
  }

  /** Elements from which `id` can be reached (not itself unless on a loop). */
  upstream(id: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.incoming.get(id) ?? [])];
    while (stack.length) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      stack.push(...(this.incoming.get(e) ?? []));
    }
    return seen;
  }

  /** Elements reachable from an exit of `id` (the exit's target included). */
  downstreamOfExit(id: string, exit: string): Set<string> {
    const seen = new Set<string>();
    const first = this.target(id, exit);
    const stack = first ? [first] : [];
    while (stack.length) {
      const e = stack.pop()!;
      if (seen.has(e)) continue;
      seen.add(e);
      const el = this.elements.get(e)!;
      for (const x of el.def.exits(el.params)) {
        const t = this.target(e, x);
        if (t) stack.push(t);
      }
    }
    return seen;
  }

  /** The `requestApproval` emails upstream of an approval element. */
  approvalSources(approval: string): string[] {
    return [...this.upstream(approval)].filter((id) => {
      const el = this.elements.get(id)!;
      return el.type === "action.sendEmail" && el.params.requestApproval === true;
    });
  }
}
