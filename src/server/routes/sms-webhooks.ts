import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { handleInboundSms } from "../../channels/sms/inbound.js";
import { twilioSignature } from "../../channels/sms/http-transport.js";
import { loadProjectSmsProvider } from "../../channels/sms/project-sms.js";
import { ApiError, notFound } from "../errors.js";
import { routes } from "./route-plugin.js";

const FAILED = new Set(["undelivered", "failed"]);
/** Provider error codes that mean the number cannot receive SMS (a hard bounce). */
const HARD = new Set(["21211", "21614", "30005", "30006"]);

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The HTTP SMS provider's webhook (Twilio-style): status callbacks (MessageSid + MessageStatus)
 * and inbound messages (From + Body), form-encoded and signed with `X-Twilio-Signature` (the
 * account's auth token, `SMS_HTTP_AUTH_TOKEN`, over the public URL and the sorted parameters).
 * A missing or wrong signature is 401 and nothing is applied.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.post("/webhooks/sms/:projectId", {
    config: { auth: { public: true } },
    schema: {
      tags: ["sms"], summary: "SMS provider callbacks: delivery statuses and inbound messages (STOP)",
      params: z.object({ projectId: z.string().min(1).max(200) }),
      headers: z.object({ "x-twilio-signature": z.string().max(200).optional() }).passthrough(),
      body: z.record(z.string(), z.string().max(2000)).describe("form fields as the provider sends them (MessageSid, MessageStatus, ErrorCode, From, To, Body…)"),
    },
  }, async (request, reply) => {
    // The project's own account signs its callbacks; the others use the instance's (SMS_HTTP_AUTH_TOKEN).
    const own = await loadProjectSmsProvider(ctx.db, request.params.projectId, ctx.secret).catch(() => undefined);
    const token = own?.authToken ?? process.env.SMS_HTTP_AUTH_TOKEN;
    if (!token) throw notFound("SMS provider webhook (no SMS account for this project and SMS_HTTP_AUTH_TOKEN is not set)");
    const params = request.body;
    const given = Buffer.from(request.headers["x-twilio-signature"] ?? "");
    const expected = Buffer.from(twilioSignature(token, `${ctx.baseUrl.replace(/\/+$/, "")}${request.url}`, params));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(401, "bad-signature", "missing or wrong X-Twilio-Signature");
    }
    const { projectId } = request.params;
    if (params.MessageStatus) {
      const status = params.MessageStatus;
      if (status !== "delivered" && !FAILED.has(status)) return reply.code(204).send();
      const row = await ctx.db.first(ctx.db.q.selectFrom("sms_smsc_ids").innerJoin("messages", "messages.id", "sms_smsc_ids.message_id")
        .select("sms_smsc_ids.message_id").where("sms_smsc_ids.smsc_id", "=", params.MessageSid ?? "").where("messages.project_id", "=", projectId));
      // Unknown yet (the send's mapping not committed) or not ours: a retrying provider will try again.
      if (!row) throw new ApiError(404, "unknown-message", `no SMS ${params.MessageSid ?? "(no MessageSid)"} in project ${projectId}`);
      await ctx.store.transaction(() => ctx.store.recordMessageEvent(Number(row.message_id), status === "delivered" ? "delivered" : "bounced", ctx.clock.now(), { hard: HARD.has(params.ErrorCode ?? "") }));
      ctx.wake();
      return reply.code(204).send();
    }
    if (params.From && params.Body !== undefined) {
      const done = await handleInboundSms({ engine: ctx.engine, db: ctx.db, now: () => ctx.clock.now(), wake: ctx.wake }, params.From, params.Body, projectId);
      const twiml = `<?xml version="1.0" encoding="UTF-8"?><Response>${done ? `<Message>${escapeXml(done.reply)}</Message>` : ""}</Response>`;
      return reply.type("text/xml; charset=utf-8").send(twiml);
    }
    return reply.code(204).send();
  });
});
