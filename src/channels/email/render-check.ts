import type { CampaignDocument, Lang, Text } from "../../model/index.js";
import { unsignedLinks } from "../../engine/links.js";
import { prepareEmail, TemplateError, type EmailMessage, type TemplateProblem } from "./render.js";
import type { EmailField } from "./render-liquid.js";

export const TEMPLATE_CODES = ["E_TEMPLATE_LIQUID", "E_TEMPLATE_MJML"] as const;
export type TemplateCode = (typeof TEMPLATE_CODES)[number];

/**
 * A template problem as a validation finding: like the model's findings (code, element, path,
 * message in both languages), plus the field and the line and column inside it.
 */
export interface TemplateFinding {
  code: TemplateCode;
  element: string;
  /** `params.message.<field>` */
  path: string;
  field: EmailField;
  line?: number;
  column?: number;
  message: string;
  messages: Text;
}

const FIELD_FR: Record<EmailField, string> = {
  subject: "l'objet", html: "le HTML", mjml: "le MJML", text: "le texte", preheader: "le préentête", from: "l'expéditeur", replyTo: "l'adresse de réponse",
};
const FIELD_EN: Record<EmailField, string> = {
  subject: "the subject", html: "the HTML", mjml: "the MJML", text: "the text", preheader: "the preheader", from: "the sender", replyTo: "the reply-to address",
};

function where(p: TemplateProblem, lang: Lang): string {
  if (p.line === undefined) return "";
  if (lang === "fr") return p.column !== undefined ? ` (ligne ${p.line}, colonne ${p.column})` : ` (ligne ${p.line})`;
  return p.column !== undefined ? ` (line ${p.line}, column ${p.column})` : ` (line ${p.line})`;
}

/** The finding a template problem of element `element` is. */
export function templateFinding(element: string, p: TemplateProblem, lang: Lang = "fr"): TemplateFinding {
  const liquid = p.kind === "liquid";
  const messages: Text = {
    fr: `${liquid ? "Erreur Liquid" : "Erreur MJML"} dans ${FIELD_FR[p.field]}${where(p, "fr")} : ${p.message}`,
    en: `${liquid ? "Liquid error" : "MJML error"} in ${FIELD_EN[p.field]}${where(p, "en")}: ${p.message}`,
  };
  return {
    code: liquid ? "E_TEMPLATE_LIQUID" : "E_TEMPLATE_MJML", element, path: `params.message.${p.field}`, field: p.field,
    ...(p.line !== undefined ? { line: p.line } : {}), ...(p.column !== undefined ? { column: p.column } : {}),
    message: messages[lang], messages,
  };
}

/** A context with every §4 name present and empty: a trial render finds run-time errors that do not depend on data (includes). */
const TRIAL = { contact: { id: "" }, trigger: { data: {} }, promo: { code: null }, campaign: { name: "", id: "" }, run: { date: "" }, unsubscribe_url: "", view_online_url: "" };

/** The problems of one email message: syntax (Liquid, MJML) and what a trial render with empty data finds. */
export async function messageProblems(message: EmailMessage): Promise<TemplateProblem[]> {
  const p = await prepareEmail(message);
  if (!p.email) return p.problems;
  try {
    p.email.render(TRIAL, { to: "", links: unsignedLinks("http://relais.invalid"), key: { journey: 0, element: "", hop: 0 }, tracking: false });
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return [...p.problems, ...e.problems];
  }
  return p.problems;
}

/**
 * Template findings of a campaign: for every `action.sendEmail` with a message, bad Liquid and
 * bad MJML, each with its element, field and line. The pure validator (src/model) cannot compile
 * templates; the server appends these to its findings on validate, activate and publish.
 */
export async function templateFindings(doc: CampaignDocument, lang: Lang = "fr"): Promise<TemplateFinding[]> {
  const out: TemplateFinding[] = [];
  for (const el of doc.elements) {
    if (el.type !== "action.sendEmail") continue;
    const message = (el.params as { message?: unknown }).message;
    if (!message || typeof message !== "object") continue;
    const strings = Object.fromEntries(Object.entries(message).filter(([, v]) => typeof v === "string")) as EmailMessage;
    for (const p of await messageProblems(strings)) out.push(templateFinding(el.id, p, lang));
  }
  return out;
}
