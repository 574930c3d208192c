import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("../..", import.meta.url).pathname });

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the model stays pure (the editor imports it)", () => {
  it("refuses a Node built-in imported by src/model", async () => {
    expect(await problems('import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n', "src/model/bad.ts")).toEqual([
      expect.stringContaining("no-restricted-imports"),
    ]);
  });

  it("refuses an I/O library imported by src/model", async () => {
    expect(await problems('import Database from "better-sqlite3";\nexport const x = Database;\n', "src/model/bad.ts")).toEqual([
      expect.stringContaining("no-restricted-imports"),
    ]);
  });

  it("refuses wall time and Math.random in the model and the engine", async () => {
    expect(await problems("export const now = Date.now();\n", "src/model/bad.ts")).toEqual([expect.stringContaining("inject the clock")]);
    expect(await problems("export const r = Math.random();\n", "src/engine/bad.ts")).toEqual([expect.stringContaining("seeded randomness")]);
  });

  it("accepts the same imports outside the model", async () => {
    expect(await problems('import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n', "src/cli/ok.ts")).toEqual([]);
  });
});
