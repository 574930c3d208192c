import { Liquid, Tag, type Context, type Emitter, type Template, type TagToken, type TopLevelToken } from "liquidjs";

/** The parts of an email message that hold a template. */
export type EmailField = "subject" | "html" | "mjml" | "text" | "preheader" | "from" | "replyTo";

/** A problem found in one field of a message: what, and where (1-based line and column in that field). */
export interface TemplateProblem {
  kind: "liquid" | "mjml";
  field: EmailField;
  line?: number;
  column?: number;
  /** What went wrong, as the library said it (without its position suffix). */
  message: string;
  /** MJML dropped a Liquid tag: the compiled template cannot be rendered. */
  dropped?: boolean;
}

/** A template that cannot be rendered: its problems, each with its field and line. */
export class TemplateError extends Error {
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.map((p) => `${p.field}${p.line ? ` line ${p.line}` : ""}: ${p.message}`).join("; "));
    this.name = "TemplateError";
  }
}

/**
 * `{% promo %}…{% else %}…{% endpromo %}`: the promo-code block. Its body renders only when the
 * contact holds a code (`promo.code` non-empty); otherwise the `else` part, if any, or nothing.
 */
class PromoTag extends Tag {
  private readonly body: Template[] = [];
  private readonly otherwise: Template[] = [];

  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid, parser: Liquid["parser"]) {
    super(token, remain, liquid);
    let into = this.body;
    const stream = parser.parseStream(remain)
      .on("tag:else", () => { into = this.otherwise; })
      .on("tag:endpromo", () => stream.stop())
      .on("template", (tpl: Template) => { into.push(tpl); })
      .on("end", () => { throw new Error(`tag ${token.getText()} not closed`); });
    stream.start();
  }

  *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
    const code = yield ctx._get(["promo", "code"]);
    const has = code !== undefined && code !== null && String(code).trim() !== "";
    yield this.liquid.renderer.renderTemplates(has ? this.body : this.otherwise, ctx, emitter);
  }
}

/**
 * One Liquid dialect for email: no file access (`include`, `render` and `layout` find nothing, so
 * a template can never read a server file), unknown filters are errors, DoS limits on render time
 * and memory, and the promo block. `escape`: HTML bodies escape every output (`| raw` opts out),
 * so a contact's data can never inject markup or links into an email.
 */
function emailLiquid(escape: boolean): Liquid {
  const liquid = new Liquid({
    templates: {},
    relativeReference: false,
    strictFilters: true,
    strictVariables: false,
    outputEscape: escape ? "escape" : undefined,
    parseLimit: 2_000_000,
    renderLimit: 2_000,
    memoryLimit: 20_000_000,
  });
  liquid.registerTag("promo", PromoTag);
  return liquid;
}

/** `…, line:3, col:5` and the code frame liquidjs appends: the position is reported separately. */
function stripPosition(message: string): string {
  return message.split("\n")[0].replace(/, line:\d+, col:\d+$/, "");
}

/** The problem a liquidjs error describes, with its line and column when the error has them. */
export function liquidProblem(error: unknown, field: EmailField, lineOffset = 0): TemplateProblem {
  const e = error as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = typeof e?.token?.getPosition === "function" ? e.token.getPosition() : undefined;
  return {
    kind: "liquid", field,
    ...(position ? { line: position[0] + lineOffset, column: position[1] } : {}),
    message: stripPosition(String(e?.message ?? error)),
  };
}

/** True when the text holds Liquid markup at all (plain text is used as is). */
export const hasLiquid = (text: string): boolean => text.includes("{{") || text.includes("{%");

/** A parsed template, or the text itself when it holds no Liquid. */
export type Compiled = string | Template[];

/** Email Liquid: parse once (cached by source), render per contact. */
export class EmailLiquid {
  private readonly liquid: Liquid;
  private readonly cache = new Map<string, Template[]>();

  constructor(readonly escape: boolean) {
    this.liquid = emailLiquid(escape);
  }

  /** Parses `source` (cached); a syntax error throws a TemplateError for `field` with its line. */
  compile(source: string, field: EmailField): Compiled {
    if (!hasLiquid(source)) return source;
    let parsed = this.cache.get(source);
    if (!parsed) {
      try {
        parsed = this.liquid.parse(source);
      } catch (e) {
        throw new TemplateError([liquidProblem(e, field)]);
      }
      if (this.cache.size >= 2000) this.cache.clear();
      this.cache.set(source, parsed);
    }
    return parsed;
  }

  /** Renders a compiled template; a runtime error throws a TemplateError for `field`. */
  render(compiled: Compiled, context: object, field: EmailField): string {
    if (typeof compiled === "string") return compiled;
    try {
      return this.liquid.renderSync(compiled, context) as string;
    } catch (e) {
      throw new TemplateError([liquidProblem(e, field)]);
    }
  }
}

/** Plain-text parts (subject, text, preheader, addresses): outputs are not escaped. */
export const textLiquid = new EmailLiquid(false);
/** HTML bodies: every output is HTML-escaped unless piped through `raw`. */
export const htmlLiquid = new EmailLiquid(true);

const PLACEHOLDER = /__rlq(\d+)__/gi;

/** A template whose Liquid tags are replaced by inert placeholders, and how to put them back. */
export interface Protected {
  text: string;
  tags: string[];
  /** Line (1-based) of `protectedLine` in the original source: tags spanning lines are one-line placeholders. */
  originalLine(protectedLine: number): number;
}

/**
 * Replaces every Liquid tag (`{{ … }}`, `{% … %}`) by a placeholder `__rlqN__` that HTML tools
 * (MJML, CSS inlining, html-to-text) leave alone: they would otherwise entity-encode quotes or
 * ampersands inside tags, or break them across lines. `wrap` lets a caller choose the placeholder
 * text by position (MJML wraps structural tags in `<mj-raw>`).
 */
export function protectLiquid(source: string, wrap?: (placeholder: string, offset: number) => string): Protected {
  const tags: string[] = [];
  const dropped: { line: number; count: number }[] = [];
  const parts: string[] = [];
  let protectedLine = 1;
  let last = 0;
  // A hand-written scan, linear in the source: a lazy regex would go quadratic on many unclosed `{{`.
  for (let i = nextTag(source, 0); i !== -1; i = nextTag(source, last)) {
    const end = source.indexOf(source[i + 1] === "{" ? "}}" : "%}", i + 2);
    if (end === -1) break;
    const tag = source.slice(i, end + 2);
    protectedLine += countLines(source, last, i);
    const newlines = countLines(tag, 0, tag.length);
    if (newlines) dropped.push({ line: protectedLine, count: newlines });
    const placeholder = `__rlq${tags.length}__`;
    tags.push(tag);
    parts.push(source.slice(last, i), wrap ? wrap(placeholder, i) : placeholder);
    last = end + 2;
  }
  parts.push(source.slice(last));
  return {
    text: parts.join(""), tags,
    originalLine(line) {
      let extra = 0;
      for (const d of dropped) if (d.line < line) extra += d.count;
      return line + extra;
    },
  };
}

/** The offset of the next `{{` or `{%` at or after `from`, or -1. */
function nextTag(s: string, from: number): number {
  for (let i = s.indexOf("{", from); i !== -1 && i < s.length - 1; i = s.indexOf("{", i + 1)) {
    if (s[i + 1] === "{" || s[i + 1] === "%") return i;
  }
  return -1;
}

function countLines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** Puts the Liquid tags back in place of their placeholders. */
export function restoreLiquid(text: string, tags: string[]): string {
  return text.replace(PLACEHOLDER, (p, n: string) => tags[Number(n)] ?? p);
}

/** Which placeholders `text` still holds (MJML drops text it does not expect between components). */
export function placeholdersIn(text: string): Set<number> {
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => Number(m[1])));
}
