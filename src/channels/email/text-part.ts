import { compile } from "html-to-text";
import { protectLiquid, restoreLiquid } from "./render-liquid.js";

/**
 * html-to-text set for email: no word wrapping (personalized values change line lengths, and the
 * transport's quoted-printable encoding handles long lines), no images, headings kept in their
 * case (upper-casing would also upper-case Liquid variable names), hidden blocks (preheaders)
 * skipped, a link's URL shown after its text unless they are the same.
 */
const convert = compile({
  wordwrap: false,
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "a", options: { hideLinkHrefIfSameAsText: true, noAnchorUrl: true } },
    ...["h1", "h2", "h3", "h4", "h5", "h6"].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: "table", format: "block" },
    { selector: "tr", format: "block" },
    { selector: "td", format: "block" },
    { selector: "th", format: "block" },
    { selector: "[style*='display:none']", format: "skip" },
    { selector: "[style*='display: none']", format: "skip" },
  ],
});

/**
 * The text part of an email, as a Liquid template, from its HTML template (Liquid still in
 * place): converted once per template, rendered per contact like the HTML. Liquid tags are
 * shielded from the converter so their quotes and operators come through untouched.
 */
export function textTemplateFromHtml(html: string): string {
  const p = protectLiquid(html);
  return restoreLiquid(convert(p.text), p.tags);
}

/** Tidies a rendered text part: blocks a Liquid condition left out leave no run of blank lines. */
export function tidyText(text: string): string {
  return text.includes("\n\n\n") ? text.replace(/\n[ \t]*(?:\n[ \t]*){2,}/g, "\n\n").trim() : text.trim();
}
