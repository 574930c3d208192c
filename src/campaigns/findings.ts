import { validateCampaign, type CampaignDocument, type Finding, type Lang, type ProjectConfig } from "../model/index.js";
import { templateFindings, type TemplateFinding } from "../channels/email/render-check.js";

/** A finding of a campaign: the model's, or a template problem (with its field, line and column). */
export type CampaignFinding = Finding | TemplateFinding;

/**
 * Every finding of a campaign: the pure validator's (src/model), then what only the server can
 * check — the email templates, compiled with MJML and Liquid (`E_TEMPLATE_LIQUID`, `E_TEMPLATE_MJML`).
 */
export async function campaignFindings(doc: CampaignDocument, config: ProjectConfig, lang: Lang): Promise<CampaignFinding[]> {
  return [...validateCampaign(doc, config, { lang }), ...(await templateFindings(doc, lang))];
}

/** Whether a finding prevents activation: errors (`E_…`) do, warnings (`W_…`) do not. */
export const hasErrorFindings = (findings: readonly { code: string }[]): boolean => findings.some((f) => f.code.startsWith("E_"));
