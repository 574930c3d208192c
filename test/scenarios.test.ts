import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScenarioInputError, simulate } from "../src/scenario/simulate.js";
import { mismatches } from "./helpers/scenario-match.js";

const SHARED = join(import.meta.dirname, "..", "..", "shared", "scenarios");
const OWN = join(import.meta.dirname, "scenarios");

function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return scenarioFiles(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

/** Runs a scenario in process and returns its exit code and output, as `relais simulate` would. */
async function run(file: string): Promise<{ code: number; output?: unknown }> {
  try {
    const output = await simulate(JSON.parse(readFileSync(file, "utf8")));
    return { code: output.valid ? 0 : 1, output };
  } catch (e) {
    if (e instanceof ScenarioInputError || e instanceof SyntaxError) return { code: 2 };
    throw e;
  }
}

for (const [title, dir] of [["the shared examples", SHARED], ["the project's own scenarios", OWN]] as const) {
  const files = scenarioFiles(dir);
  describe(`${title} produce their expected output`, () => {
    // The shared folder sits beside the repository in development and CI; a bare clone elsewhere has only its own.
    if (dir === OWN || existsSync(SHARED)) it("has scenarios to run", () => expect(files.length).toBeGreaterThan(0));
    for (const file of files) {
      it(file.slice(dir.length + 1), async () => {
        const scenario = JSON.parse(readFileSync(file, "utf8"));
        const { exitCode, ...expected } = scenario.expected ?? {};
        expect(scenario.expected, "the scenario has an expected block").toBeTypeOf("object");
        const result = await run(file);
        expect(result.code).toBe(exitCode ?? (expected.valid === false ? 1 : 0));
        if (result.code !== 2) expect(mismatches(expected, result.output)).toEqual([]);
      });
    }
  });
}
