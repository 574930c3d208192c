import { placeholdersIn, protectLiquid, restoreLiquid, type TemplateProblem } from "./render-liquid.js";
import { scanTags } from "./render-scan.js";

/** MJML compiled to HTML, Liquid still in place (rendered later, per contact). */
export interface CompiledMjml {
  html: string;
  /** MJML's validation errors (strict mode) and Liquid tags MJML would have dropped, with their line in the MJML source. */
  problems: TemplateProblem[];
}

/** Elements whose content MJML keeps as written (HTML and text): Liquid inside them is safe as is. */
const ENDING = new Set([
  "mj-text", "mj-button", "mj-raw", "mj-table", "mj-navbar-link", "mj-accordion-title", "mj-accordion-text",
  "mj-social-element", "mj-title", "mj-preview", "mj-style", "mj-font", "mj-html-attribute",
]);

/**
 * The placeholders that sit between MJML components (not inside a tag's attributes, not inside
 * an element whose content MJML keeps): MJML drops such text, so a `{% if %}` around a section
 * would silently vanish. Those are wrapped in `<mj-raw>`, which MJML outputs untouched.
 */
function structuralPlaceholders(text: string): Set<number> {
  const out = new Set<number>();
  const open: string[] = [];
  let last = 0;
  const between = (from: number, to: number) => {
    if (open.length === 0) for (const n of placeholdersIn(text.slice(from, to))) out.add(n);
  };
  for (const t of scanTags(text)) {
    between(last, t.start);
    last = t.end;
    if (!ENDING.has(t.name) || t.selfClosing) continue;
    if (t.closing) {
      const at = open.lastIndexOf(t.name);
      if (at !== -1) open.length = at;
    } else open.push(t.name);
  }
  between(last, text.length);
  return out;
}

type Mjml2Html = (input: string, options: Record<string, unknown>) => Promise<{ html: string; errors: { line: number; message: string; tagName: string }[] }>;
let mjml2html: Promise<Mjml2Html> | undefined;

/** MJML is loaded on first use: it takes a few hundred milliseconds, and most commands never compile a template. */
function loadMjml(): Promise<Mjml2Html> {
  mjml2html ??= import("mjml").then((m) => (m.default as unknown as Mjml2Html));
  return mjml2html;
}

const cache = new Map<string, Promise<CompiledMjml>>();

/**
 * Compiles an MJML template to HTML, leaving its Liquid in place: MJML once per template
 * version, Liquid per contact. Compiled results are cached by MJML source. Liquid tags are
 * shielded from MJML (placeholders) so it can neither entity-encode nor drop them; a tag between
 * components is wrapped in `<mj-raw>`. `mj-include` is ignored: a template never reads a server file.
 * Validation is strict (every MJML error comes back with its line) but the HTML is produced anyway,
 * so a send never fails on a validation nit a campaign was activated with.
 */
export function compileMjml(source: string): Promise<CompiledMjml> {
  let hit = cache.get(source);
  if (!hit) {
    hit = compile(source);
    hit.catch(() => cache.delete(source));
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    cache.set(source, hit);
  }
  return hit;
}

async function compile(source: string): Promise<CompiledMjml> {
  const plain = protectLiquid(source);
  const structural = structuralPlaceholders(plain.text);
  let n = 0;
  const shielded = protectLiquid(source, (placeholder) => (structural.has(n++) ? `<mj-raw>${placeholder}</mj-raw>` : placeholder));
  const problems: TemplateProblem[] = [];
  const mjml = await loadMjml();
  const options = { validationLevel: "soft", ignoreIncludes: true };
  let html = "";
  try {
    const result = await mjml(shielded.text, options);
    html = result.html;
    for (const e of result.errors ?? []) {
      problems.push({ kind: "mjml", field: "mjml", line: shielded.originalLine(e.line), message: restoreLiquid(e.message, shielded.tags) });
    }
  } catch (e) {
    problems.push({ kind: "mjml", field: "mjml", message: `MJML could not be compiled: ${(e as Error).message}` });
  }
  if (html) {
    const kept = placeholdersIn(html);
    shielded.tags.forEach((tag, i) => {
      if (kept.has(i)) return;
      const line = lineOf(source, tag);
      problems.push({
        kind: "mjml", field: "mjml", ...(line ? { line } : {}), dropped: true,
        message: `MJML dropped the Liquid tag ${tag.length > 60 ? `${tag.slice(0, 57)}...` : tag}: put it inside mj-text, mj-button or mj-raw`,
      });
    });
  }
  if (!/<mj-body[\s>]/i.test(source)) problems.push({ kind: "mjml", field: "mjml", line: 1, message: "an MJML template needs <mjml><mj-body>…</mj-body></mjml>" });
  return { html: restoreLiquid(html, shielded.tags), problems };
}

function lineOf(source: string, fragment: string): number | undefined {
  const at = source.indexOf(fragment);
  return at === -1 ? undefined : source.slice(0, at).split("\n").length;
}
