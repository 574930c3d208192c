import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CampaignDocument } from "../../../src/model/campaign.js";
import { CATALOG } from "../../../src/model/catalog/index.js";
import { ERROR_CODES, WARNING_CODES } from "../../../src/model/finding.js";
import { ProjectConfig } from "../../../src/model/project.js";
import { validateCampaign } from "../../../src/model/validator/index.js";
import { collectDrafts } from "../../../src/model/validator/validate-campaign.js";
import { PROJECT, PROJECT_INPUT, SAMPLE_PARAMS } from "./fixtures.js";

const CODES = new Set<string>([...ERROR_CODES, ...WARNING_CODES]);
const TYPES = CATALOG.map((d) => d.type);
const JUNK_TYPES = ["", "bogus", "trigger.nope", "action", "constructor", "__proto__", "toString"];
const IDS = ["t1", "t2", "a1", "a2", "k1", "d1", "s1", "e1", "n1", "", "__proto__", "constructor"];
const EXITS = ["next", "true", "false", "A", "B", "out1", "out2", "rest", "x", ""];

const PROJECTS = [
  PROJECT,
  ProjectConfig.parse({ ...PROJECT_INPUT, modules: { ecommerce: true, siteTracking: true } }),
  ProjectConfig.parse({}),
];

/** Parameters that are plausible (a catalog sample, with a twist) or anything at all. */
const params = (type: string) =>
  fc.oneof(
    fc.constant(SAMPLE_PARAMS[type] ?? {}),
    fc.record({ key: fc.constantFrom("message", "requestApproval", "optimizedSendTime", "amount", "set", "variants", "rule", "__proto__"), value: fc.jsonValue() })
      .map(({ key, value }) => ({ ...(SAMPLE_PARAMS[type] ?? {}), [key]: value })),
    fc.constantFrom(...IDS).map((message) => ({ message })),
    fc.constant({ ...SAMPLE_PARAMS["action.sendEmail"], requestApproval: true, message: { subject: "{{ promo.code }}", html: "x" } }),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    fc.anything(),
  );

const element = fc
  .record({ id: fc.constantFrom(...IDS), type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TYPES) }, fc.constantFrom(...JUNK_TYPES)) })
  .chain(({ id, type }) => params(type).map((p) => ({ id, type, params: p as Record<string, unknown> })));

const connection = fc.record({ from: fc.constantFrom(...IDS, "ghost"), exit: fc.constantFrom(...EXITS), to: fc.constantFrom(...IDS, "ghost") });

const documents = fc.record({
  id: fc.constant("random"),
  name: fc.constant(""),
  reentry: fc.constant("afterExit" as const),
  elements: fc.array(element, { maxLength: 10 }),
  connections: fc.array(connection, { maxLength: 14 }),
}) as fc.Arbitrary<CampaignDocument>;

const projects = fc.constantFrom(...PROJECTS);
const runs = { numRuns: 400 };

describe("the validator on random campaigns", () => {
  it("never throws and returns only known codes with both messages", () => {
    fc.assert(
      fc.property(documents, projects, fc.constantFrom("fr" as const, "en" as const), (doc, project, lang) => {
        const findings = validateCampaign(doc, project, { lang });
        for (const f of findings) {
          expect(CODES.has(f.code)).toBe(true);
          expect(f.messages.fr.length).toBeGreaterThan(0);
          expect(f.messages.en.length).toBeGreaterThan(0);
          expect(f.message).toBe(f.messages[lang]);
        }
      }),
      runs,
    );
  });

  it("needs no safety net: no check ever fails inside", () => {
    fc.assert(
      fc.property(documents, projects, (doc, project) => {
        expect(() => collectDrafts(doc, project, (step) => step())).not.toThrow();
      }),
      runs,
    );
  });

  it("gives the same findings when run twice on the same input", () => {
    fc.assert(
      fc.property(documents, projects, (doc, project) => {
        expect(validateCampaign(doc, project)).toEqual(validateCampaign(doc, project));
      }),
      runs,
    );
  });

  it("reports findings on elements of the document only, never on a note alone", () => {
    fc.assert(
      fc.property(documents, projects, (doc, project) => {
        for (const f of validateCampaign(doc, project)) {
          if (f.element === undefined) continue;
          expect(doc.elements.some((e) => e.id === f.element && e.type !== "note")).toBe(true);
        }
      }),
      runs,
    );
  });

  it("reports each problem once and keeps its order", () => {
    fc.assert(
      fc.property(documents, projects, (doc, project) => {
        const findings = validateCampaign(doc, project);
        // An extra connection or a reused id is one problem each time it occurs.
        const keys = findings.filter((f) => f.code !== "E_EXIT_TAKEN" && f.code !== "E_DUPLICATE_ID").map((f) => JSON.stringify([f.code, f.element, f.path]));
        expect(new Set(keys).size).toBe(keys.length);
        const position = (id?: string) => (id === undefined ? -1 : doc.elements.findIndex((e) => e.id === id));
        const positions = findings.map((f) => position(f.element));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }),
      runs,
    );
  });

  it("never throws whatever it is given, even outside its types", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (doc, project, options) => {
        const findings = validateCampaign(doc as CampaignDocument, project as ProjectConfig, options as { lang?: "fr" });
        expect(Array.isArray(findings)).toBe(true);
        expect(() => collectDrafts(doc as CampaignDocument, project as ProjectConfig, (step) => step())).not.toThrow();
      }),
      runs,
    );
  });
});
