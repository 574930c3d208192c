import { decodeHTMLAttribute } from "entities";
import type { MessageKey, MessageLinks } from "../../engine/links.js";
import { compileMjml } from "./mjml-compile.js";
import { htmlLiquid, protectLiquid, restoreLiquid, textLiquid, TemplateError, type Compiled, type EmailField, type TemplateProblem } from "./render-liquid.js";
import { scanTags } from "./render-scan.js";
import { textTemplateFromHtml, tidyText } from "./text-part.js";

export { TemplateError, type TemplateProblem, type EmailField } from "./render-liquid.js";

/** The `message` parameter of `action.sendEmail` (ELEMENTS.md §4). */
export interface EmailMessage {
  subject?: string;
  html?: string;
  mjml?: string;
  text?: string;
  from?: string;
  replyTo?: string;
  preheader?: string;
}

/** An email rendered for one contact: what the outbox payload holds and the transport sends. */
export interface RenderedEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  preheader?: string;
  from?: string;
  replyTo?: string;
}

/** The project's sender, used when a message names none. */
export interface SenderDefaults {
  from?: string;
  replyTo?: string;
}

export interface RenderOptions {
  to: string;
  links: MessageLinks;
  key: MessageKey;
  defaults?: SenderDefaults;
  /** Rewrite links to signed click redirects and add the open pixel (default true; previews turn it off). */
  tracking?: boolean;
}

// Markers placed in the HTML template once, resolved per contact. Control characters never
// occur in a usable HTML document (they are stripped from sources), so they cannot collide.
const LINK_START = "\u0001";
const LINK_END = "\u0002";
const PIXEL = "\u0003";
const PREHEADER = "\u0004";
// eslint-disable-next-line no-control-regex -- the markers are control characters on purpose
const CONTROL = /[\u0001-\u0004]/g;

/**
 * Marks the href of every link that may need tracking: http(s) URLs, and URLs that start with
 * Liquid (decided per contact, once rendered). Liquid is shielded while the tags are found.
 */
function markLinks(html: string): string {
  const p = protectLiquid(html);
  const out: string[] = [];
  let last = 0;
  for (const t of scanTags(p.text)) {
    if (t.name !== "a" || t.closing) continue;
    const tag = p.text.slice(t.start, t.end);
    if (/\sdata-notrack\b/i.test(tag)) continue;
    const marked = tag.replace(/(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)')/i, (all, pre: string, dq?: string, sq?: string) => {
      const value = (dq ?? sq ?? "").trim();
      if (!/^(https?:\/\/|__rlq\d+__)/i.test(value)) return all;
      const quote = dq !== undefined ? '"' : "'";
      return `${pre}${quote}${LINK_START}${dq ?? sq}${LINK_END}${quote}`;
    });
    out.push(p.text.slice(last, t.start), marked);
    last = t.end;
  }
  out.push(p.text.slice(last));
  return restoreLiquid(out.join(""), p.tags);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const oneLine = (s: string | undefined): string => (s === undefined ? "" : s.replace(/\s+/g, " ").trim());

function preheaderBlock(text: string): string {
  // The filler keeps clients from showing the start of the body after a short preheader.
  return '<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;max-width:0px;opacity:0;overflow:hidden;mso-hide:all;">'
    + `${escapeHtml(text)}${"&zwnj;&nbsp;".repeat(30)}</div>`;
}

/** A message's templates, compiled once per template version and rendered per contact. */
export class PreparedEmail {
  /** Whether rendering needs the contact's Liquid context at all. */
  readonly personalized: boolean;

  constructor(
    private readonly subject: Compiled,
    private readonly html: Compiled,
    private readonly text: Compiled,
    private readonly preheader: Compiled | undefined,
    private readonly from: Compiled | undefined,
    private readonly replyTo: Compiled | undefined,
    private readonly trackedLinks: boolean,
  ) {
    this.personalized = [subject, html, text, preheader, from, replyTo].some((c) => c !== undefined && typeof c !== "string");
  }

  /** The email for one contact. A Liquid runtime error throws a TemplateError (the contact's send is skipped). */
  render(context: object, o: RenderOptions): RenderedEmail {
    const tracking = o.tracking !== false;
    const field = (c: Compiled | undefined, name: EmailField, liquid = textLiquid) => (c === undefined ? undefined : liquid.render(c, context, name));
    const subject = field(this.subject, "subject")!;
    const preheader = field(this.preheader, "preheader");
    let html = field(this.html, "html", htmlLiquid)!;
    if (this.trackedLinks) html = resolveLinks(html, tracking ? o.links : undefined, o.key);
    // Replacement functions, not strings: a `$&` or `$'` in a preheader must not be a replace pattern.
    html = html.replace(PREHEADER, () => (preheader ? preheaderBlock(preheader) : ""));
    html = html.replace(PIXEL, () => (tracking ? `<img src="${escapeHtml(o.links.url("open", o.key))}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px;" />` : ""));
    const out: RenderedEmail = { to: o.to, subject: oneLine(subject), html, text: tidyText(field(this.text, "text")!) };
    if (preheader) out.preheader = preheader;
    // Headers are one line: a newline from a template or a contact's data can never add a header.
    const from = oneLine(field(this.from, "from")) || o.defaults?.from;
    const replyTo = oneLine(field(this.replyTo, "replyTo")) || o.defaults?.replyTo;
    if (from) out.from = from;
    if (replyTo) out.replyTo = replyTo;
    return out;
  }
}

/** Resolves the marked links: signed click redirects (when `links` is given), else the URLs as written. */
function resolveLinks(html: string, links: MessageLinks | undefined, key: MessageKey): string {
  const parts = html.split(LINK_START);
  if (parts.length === 1) return html;
  const own = links ? ["/u/", "/v/", "/t/"].map((p) => links.baseUrl.replace(/\/+$/, "") + p) : [];
  let out = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const end = part.indexOf(LINK_END);
    if (end === -1) {
      out += part;
      continue;
    }
    const raw = part.slice(0, end);
    out += tracked(raw, links, key, own) + part.slice(end + 1);
  }
  return out;
}

function tracked(raw: string, links: MessageLinks | undefined, key: MessageKey, own: string[]): string {
  if (!links) return raw;
  const url = decodeHTMLAttribute(raw).trim();
  // Only web links are tracked; Relais's own links (unsubscribe, view online) are already signed.
  if (!/^https?:\/\/[^\s]/i.test(url) || own.some((p) => url.startsWith(p))) return raw;
  return escapeHtml(links.url("click", key, url));
}

/** What preparing a message found: the compiled email when it can be rendered, and every problem. */
export interface Preparation {
  email?: PreparedEmail;
  problems: TemplateProblem[];
}

const prepared = new Map<string, Promise<Preparation>>();

/**
 * Compiles a message's templates: MJML to HTML (cached by source), every Liquid template parsed,
 * the text part derived from the HTML when the message has none, links marked for tracking, the
 * preheader and pixel places set. Cached by message content, so each template version is compiled
 * once per process. Problems that make rendering impossible (a Liquid syntax error, MJML that
 * cannot compile) leave `email` undefined; MJML validation errors alone do not.
 */
export function prepareEmail(message: EmailMessage): Promise<Preparation> {
  const key = JSON.stringify([message.subject, message.html, message.mjml, message.text, message.preheader, message.from, message.replyTo]);
  let hit = prepared.get(key);
  if (!hit) {
    hit = prepare(message);
    // An unexpected failure (not a template problem) is not remembered: the next batch tries again.
    hit.catch(() => prepared.delete(key));
    if (prepared.size >= 500) prepared.delete(prepared.keys().next().value!);
    prepared.set(key, hit);
  }
  return hit;
}

async function prepare(input: EmailMessage): Promise<Preparation> {
  // Control characters have no place in an email; the markers below rely on that.
  // Only text parts count (the validator reports parameters of another type).
  const message = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => typeof v === "string").map(([k, v]) => [k, (v as string).replace(CONTROL, "")])) as EmailMessage;
  const problems: TemplateProblem[] = [];
  let fatal = false;
  const compile = (source: string | undefined, field: EmailField, liquid = textLiquid): Compiled | undefined => {
    if (source === undefined) return undefined;
    try {
      return liquid.compile(source, field);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      problems.push(...e.problems);
      fatal = true;
      return undefined;
    }
  };
  let htmlSource = message.html ?? "";
  // Liquid errors are reported against the source the user wrote, with its lines.
  if (message.mjml === undefined) compile(htmlSource, "html", htmlLiquid);
  if (message.mjml !== undefined) {
    compile(message.mjml, "mjml", htmlLiquid);
    // MJML problems of a template whose Liquid does not parse would only add noise.
    if (!fatal) {
      const compiled = await compileMjml(message.mjml);
      problems.push(...compiled.problems);
      // A Liquid tag MJML dropped would unbalance the template; validation errors alone do not stop a send.
      if (!compiled.html || compiled.problems.some((p) => p.dropped)) fatal = true;
      htmlSource = compiled.html;
    }
  }
  const subject = compile(message.subject ?? "", "subject");
  const preheader = compile(message.preheader, "preheader");
  const from = compile(message.from, "from");
  const replyTo = compile(message.replyTo, "replyTo");
  const text = message.text !== undefined ? compile(message.text, "text") : fatal ? undefined : compile(textTemplateFromHtml(htmlSource), message.mjml !== undefined ? "mjml" : "html");
  let template = markLinks(htmlSource);
  const trackedLinks = template.includes(LINK_START);
  if (message.preheader !== undefined) {
    let at = 0;
    for (const t of scanTags(template)) {
      if (t.name === "body" && !t.closing) {
        at = t.end;
        break;
      }
    }
    template = template.slice(0, at) + PREHEADER + template.slice(at);
  }
  const close = template.toLowerCase().lastIndexOf("</body>");
  template = close === -1 ? template + PIXEL : template.slice(0, close) + PIXEL + template.slice(close);
  const html = fatal ? undefined : compile(template, message.mjml !== undefined ? "mjml" : "html", htmlLiquid);
  if (fatal || subject === undefined || html === undefined || text === undefined) return { problems };
  return { email: new PreparedEmail(subject, html, text, preheader, from, replyTo, trackedLinks), problems };
}

/**
 * Renders a message for one contact, or throws a TemplateError: the problems of a template that
 * cannot be rendered, or a Liquid runtime error for this contact.
 */
export async function renderEmail(message: EmailMessage, context: object, options: RenderOptions): Promise<RenderedEmail> {
  const p = await prepareEmail(message);
  if (!p.email) throw new TemplateError(p.problems);
  return p.email.render(context, options);
}

/**
 * A rendered email as a preview shows it, without its tracking: click redirects back to their
 * target URLs and no open pixel, so looking at a prepared message never counts as an open or a click.
 */
export function withoutTracking(html: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return html
    .replace(new RegExp(`${base}/t/c/[A-Za-z0-9_.%:-]+\\?u=([^"'\\s>]*)`, "g"), (_m, u: string) => escapeHtml(decodeURIComponent(u)))
    .replace(new RegExp(`<img src="${base}/t/o/[^"]*"[^>]*>`, "g"), "");
}
