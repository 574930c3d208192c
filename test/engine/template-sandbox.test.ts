import { describe, expect, it } from "vitest";
import { TemplateRenderer } from "../../src/engine/template.js";

describe("Liquid in SMS, push, export paths and contact updates", () => {
  it("cannot read the server's files through include, render or layout", () => {
    const r = new TemplateRenderer();
    for (const tag of ["{% include 'package.json' %}", "{% render 'package.json' %}", "{% layout 'package.json' %}x", "{% include '../../../etc/passwd' %}"]) {
      let out: string;
      try {
        out = r.render(`a${tag}`, {});
      } catch {
        out = "refused";
      }
      expect(out).not.toContain('"name"');
      expect(out).not.toContain("root:");
    }
  });

  it("still renders variables and filters", () => {
    expect(new TemplateRenderer().render("Bonjour {{ contact.firstName | upcase }}", { contact: { firstName: "Zoé" } })).toBe("Bonjour ZOÉ");
  });
});
