import { describe, expect, it } from "vitest";
import { AND_LATTICE, forwardMust, Graph, hasCycle, reachableFrom, SET_LATTICE, stronglyConnected } from "../../../src/model/validator/graph.js";

const graph = (nodes: string, edges: string) =>
  new Graph(nodes.split(" "), edges.split(" ").filter(Boolean).map((e) => ({ from: e[0], to: e[1] })));

describe("the validator's graph", () => {
  it("groups loops into strongly connected components, in document order", () => {
    const g = graph("a b c d e", "ab bc cb cd dd de");
    expect(stronglyConnected(g, () => true)).toEqual([["a"], ["b", "c"], ["d"], ["e"]]);
    expect(stronglyConnected(g, () => true).filter((c) => hasCycle(g, c))).toEqual([["b", "c"], ["d"]]);
  });

  it("leaves out the nodes it is told to, breaking the loops through them", () => {
    const g = graph("a b c", "ab ba bc cb");
    expect(stronglyConnected(g, (id) => id !== "b")).toEqual([["a"], ["c"]]);
  });

  it("handles long chains without deep recursion", () => {
    const nodes = Array.from({ length: 20000 }, (_, i) => `n${i}`);
    const g = new Graph(nodes, nodes.map((n, i) => ({ from: n, to: nodes[(i + 1) % nodes.length] })));
    expect(stronglyConnected(g, () => true)).toHaveLength(1);
  });

  it("walks through the nodes it may pass and stops at the others", () => {
    const g = graph("a b c d", "ab bc cd");
    expect([...reachableFrom(g, ["a"], (id) => id !== "c")].sort()).toEqual(["b", "c"]);
  });

  it("keeps, on entry to each node, only what every path from a source brings", () => {
    // a → b → d and a → c → d (and d → b): only a is on every path to d or to b.
    const g = graph("a b c d", "ab ac bd cd db");
    const gen = (id: string, v: ReadonlySet<string> | null) => (v === null ? null : new Set([...v, id]));
    const upstream = forwardMust(g, ["a"], new Set<string>(), gen, SET_LATTICE);
    expect([...upstream.get("d")!].sort()).toEqual(["a"]);
    expect([...upstream.get("b")!].sort()).toEqual(["a"]);
    const viaB = forwardMust(g, ["a"], false, (id, v) => v || id === "b", AND_LATTICE);
    expect(viaB.get("d")).toBe(false);
    expect(viaB.has("a")).toBe(true);
  });
});
