// The partial comparison of SCENARIOS.md, as ../shared/tools/check-scenarios.mjs does it:
// every key given in `expected` must match, objects recursively; arrays have the same length
// and match item by item, except the top-level `errors`, `warnings` and `ignoredEvents`,
// which match in any order; an expected null also matches an absent key.
const UNORDERED = new Set(["errors", "warnings", "ignoredEvents"]);

export function mismatches(expected: unknown, actual: unknown, where = "output", depth = 0, key = ""): string[] {
  if (expected === null) return actual === null || actual === undefined ? [] : [`${where}: expected absent or null, got ${show(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`];
    if (actual.length !== expected.length) return [`${where}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`];
    if (depth === 1 && UNORDERED.has(key)) return unordered(expected, actual, where, depth);
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${where}[${i}]`, depth + 1));
  }
  if (typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return [`${where}: expected an object, got ${show(actual)}`];
    return Object.keys(expected as object).flatMap((k) =>
      mismatches((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${where}.${k}`, depth + 1, k));
  }
  return Object.is(expected, actual) ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`];
}

function unordered(expected: unknown[], actual: unknown[], where: string, depth: number): string[] {
  const fits = expected.map((e) => actual.map((a) => mismatches(e, a, "", depth + 1).length === 0));
  const taken = new Array(actual.length).fill(false);
  const pair = (i: number): boolean => {
    if (i === expected.length) return true;
    for (let j = 0; j < actual.length; j++) {
      if (taken[j] || !fits[i][j]) continue;
      taken[j] = true;
      if (pair(i + 1)) return true;
      taken[j] = false;
    }
    return false;
  };
  return pair(0) ? [] : [`${where}: no one-to-one pairing of ${show(expected)} in ${show(actual)}`];
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
