import { z } from "zod";
import { smsSegments } from "../../channels/sms/segments.js";
import { trackSmsLinks } from "../../channels/sms/sms-links.js";
import { LinkSigner } from "../../channels/links.js";
import { projectConfig } from "../../campaigns/campaign-service.js";
import { coerceField } from "../../contacts/field-values.js";
import { uniqueKeyField } from "../../contacts/projects.js";
import { TemplateRenderer } from "../../engine/template.js";
import { localDate } from "../../engine/time.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const SmsPreviewOut = z.object({
  text: z.string().describe("the text as sent: personalised for the contact when one is given, links through the click redirect"),
  encoding: z.enum(["GSM-7", "UCS-2"]).describe("GSM-7 when every character is in the GSM 03.38 alphabet (or its extension table), else UCS-2"),
  segments: z.number().int().describe("SMS parts the text is sent as: 160/153 GSM-7 units or 70/67 UCS-2 units per part"),
  charactersLeft: z.number().int().describe("units left in the last part"),
  length: z.number().int().describe("length in units (a GSM-7 extension character such as € or [ counts two)"),
});

const renderer = new TemplateRenderer();

/**
 * How an SMS will be sent, for the editor's counter: personalised for a contact when one is given,
 * with its links rewritten to the (signed, untracked here: journey 0) click redirect they will
 * have, so the count is the real one.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const links = new LinkSigner(ctx.secret, ctx.baseUrl);

  app.post("/projects/:projectId/sms-preview", {
    config: { auth: { permission: "read" } },
    schema: {
      tags: ["sms"], summary: "Count an SMS text's encoding and segments (personalised for a contact when given)",
      params: ProjectParams,
      body: z.strictObject({
        text: z.string().max(10_000).describe("the SMS text, Liquid allowed ({{ contact.firstName }})"),
        contact: z.string().min(1).max(1000).optional().describe("the contact's unique key value to personalise for"),
      }),
      response: { 200: SmsPreviewOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await projectConfig(ctx, projectId);
    let contact: { id: string; fields: Record<string, unknown> } | undefined;
    if (request.body.contact !== undefined) {
      const key = uniqueKeyField(config);
      const id = coerceField(key, request.body.contact, "csv");
      if (!id.ok || id.value === null) throw badRequest(`"${request.body.contact}" is not a valid ${key.key}`, [{ path: "body.contact", message: `not a valid ${key.key}` }]);
      contact = await ctx.store.findContact(projectId, String(id.value));
      if (!contact) throw notFound(`contact ${String(id.value)}`);
    }
    let text: string;
    try {
      text = renderer.render(request.body.text, {
        contact: { id: contact?.id ?? "", ...(contact?.fields ?? {}) },
        run: { date: localDate(ctx.clock.now(), config.timezone) },
      });
    } catch (e) {
      throw new ApiError(422, "template_error", `the text cannot be rendered: ${(e as Error).message}`, [{ path: "body.text", message: (e as Error).message }]);
    }
    text = trackSmsLinks(text, (_url, i) => links.short({ journey: 0, element: "preview", hop: 0 }, i));
    return { text, ...smsSegments(text) };
  });
});
