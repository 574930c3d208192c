import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CampaignDocument } from "../../../src/model/campaign.js";
import { ERROR_CODES, WARNING_CODES } from "../../../src/model/finding.js";
import { ProjectConfig } from "../../../src/model/project.js";
import { hasErrors, splitFindings, validateCampaign } from "../../../src/model/validator/index.js";
import { brief, type Brief } from "./fixtures.js";

const DIR = fileURLToPath(new URL("../../scenarios/validation/", import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

interface Scenario {
  project: unknown;
  campaign: unknown;
  contacts: unknown[];
  expected: { valid: boolean; errors: Brief[]; warnings: Brief[] };
}

const key = (b: Brief) => JSON.stringify([b.code, b.element ?? null, b.path ?? null]);
const sorted = (list: Brief[]) => list.map(key).sort();

describe("the validation scenarios", () => {
  it("cover every code, one file each, named after it", () => {
    expect(FILES).toEqual([...ERROR_CODES, ...WARNING_CODES].map((c) => `${c.toLowerCase()}.json`).sort());
  });

  for (const file of FILES) {
    it(`expect exactly what the validator finds in ${file}`, () => {
      const scenario = JSON.parse(readFileSync(DIR + file, "utf8")) as Scenario;
      const findings = validateCampaign(CampaignDocument.parse(scenario.campaign), ProjectConfig.parse(scenario.project));
      const { errors, warnings } = splitFindings(findings);
      expect(!hasErrors(findings)).toBe(scenario.expected.valid);
      expect(sorted(brief(errors))).toEqual(sorted(scenario.expected.errors));
      expect(sorted(brief(warnings))).toEqual(sorted(scenario.expected.warnings));
      const code = file.replace(/\.json$/, "").toUpperCase();
      expect(findings.map((f) => f.code)).toContain(code);
      // Warnings-only scenarios stay trivial to run: a valid campaign and nobody in it.
      if (code.startsWith("W_")) expect(scenario.contacts).toEqual([]);
    });
  }
});
