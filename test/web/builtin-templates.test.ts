import { describe, expect, it } from "vitest";
import { BUILTIN_TEMPLATES, instantiateBuiltin } from "../../src/campaigns/builtin-templates/index.js";
import { CampaignDocument, isError, ProjectConfig, validateCampaign } from "../../src/model/index.js";
import { DEMO } from "../../src/server/demo-project.js";

describe("built-in templates", () => {
  it("ships the six French templates, each valid against a project with the modules they need", () => {
    expect(BUILTIN_TEMPLATES.map((t) => t.label.fr)).toEqual([
      "Bienvenue", "Relance des non-ouvreurs", "Panier abandonné", "Anniversaire", "Réactivation des inactifs", "Test A/B d'objet",
    ]);
    const project = ProjectConfig.parse({ ...DEMO.config, modules: { ecommerce: true } });
    for (const t of BUILTIN_TEMPLATES) {
      const findings = validateCampaign(CampaignDocument.parse(instantiateBuiltin(t, project)), project);
      expect(findings.filter(isError), t.key).toEqual([]);
    }
  });

  it("uses the project's own email communication type", () => {
    const project = { communicationTypes: [{ key: "sms1", channel: "sms" as const }, { key: "news", channel: "email" as const }] };
    const doc = instantiateBuiltin(BUILTIN_TEMPLATES[0], project);
    expect(doc.elements.find((e) => e.id === "a1")!.params!.communicationType).toBe("news");
    expect(doc.elements.find((e) => e.id === "t1")!.params!.communicationTypes).toEqual(["news"]);
    expect(BUILTIN_TEMPLATES[0].document.elements[1].params!.communicationType).toBe("infolettre");
  });
});
