import { Liquid, type Template } from "liquidjs";

/** Liquid rendering with parsed templates cached by source text. */
export class TemplateRenderer {
  private readonly liquid = new Liquid({ strictFilters: false, strictVariables: false, cache: false, templates: {}, relativeReference: false });
  private readonly cache = new Map<string, Template[]>();

  /** True when the text holds Liquid markup at all (plain text is returned as is, fast). */
  static isTemplate(text: string): boolean {
    return text.includes("{{") || text.includes("{%");
  }

  render(text: string, context: Record<string, unknown>): string {
    if (!TemplateRenderer.isTemplate(text)) return text;
    let parsed = this.cache.get(text);
    if (!parsed) {
      parsed = this.liquid.parse(text);
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(text, parsed);
    }
    return this.liquid.renderSync(parsed, context) as string;
  }
}
