import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { LinkSigner } from "../../channels/links.js";
import { applyReport } from "../../tracking/inbound-smtp.js";
import { Tracking } from "../../tracking/tracking.js";
import { ApiError, notFound } from "../errors.js";
import { routes } from "./route-plugin.js";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const EmailEvent = z.strictObject({
  type: z.enum(["delivered", "bounced", "complained", "opened", "clicked", "unsubscribed"]),
  /** The Message-ID Relais gave the email (`<m.…@domain>`, brackets optional). */
  messageId: z.string().min(1).max(500),
  /** For `bounced`: a permanent failure (the address is marked). */
  hard: z.boolean().optional(),
  /** For `clicked`: the URL. */
  url: z.string().max(8000).optional(),
});

/**
 * Email providers' event webhook (delivered, bounced, complained, opened, clicked, unsubscribed),
 * signed with the shared secret `RELAIS_WEBHOOK_SECRET`: `X-Relais-Signature: sha256=<hex
 * HMAC-SHA256 of the raw body>`. A missing or wrong signature is 401 and nothing is recorded; the
 * events of one call are applied in one transaction. Events are matched by Relais's signed
 * Message-ID: a provider cannot name another message than one Relais sent.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const links = new LinkSigner(ctx.secret, ctx.baseUrl);
  const tracking = new Tracking({ store: ctx.store, engine: ctx.engine, clock: ctx.clock, db: ctx.db, links, wake: ctx.wake });
  app.addContentTypeParser("application/json", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (request, body, done) => {
    request.rawBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString("utf8")));
    } catch (e) {
      done(new ApiError(400, "invalid_json", `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.post("/webhooks/email", {
    config: { auth: { public: true } },
    schema: {
      tags: ["webhooks"],
      summary: "Email provider events, signed with RELAIS_WEBHOOK_SECRET (X-Relais-Signature: sha256=<hex HMAC of the raw body>)",
      headers: z.object({ "x-relais-signature": z.string().optional() }).passthrough(),
      body: z.strictObject({ events: z.array(EmailEvent).min(1).max(1000) }),
      response: { 200: z.object({ applied: z.number(), unmatched: z.number() }) },
    },
    // The signature is checked before the body is looked at.
    preValidation: async (request) => {
      const secret = process.env.RELAIS_WEBHOOK_SECRET;
      if (!secret) throw notFound("webhook (set RELAIS_WEBHOOK_SECRET to enable it)");
      const given = /^sha256=([0-9a-f]{64})$/i.exec(String(request.headers["x-relais-signature"] ?? ""))?.[1];
      const expected = createHmac("sha256", secret).update(request.rawBody ?? Buffer.alloc(0)).digest();
      if (!given || !timingSafeEqual(Buffer.from(given, "hex"), expected)) throw new ApiError(401, "bad_signature", "missing or wrong X-Relais-Signature");
    },
  }, async (request) => {
    const at = ctx.clock.now();
    let applied = 0;
    let unmatched = 0;
    await ctx.store.transaction(async () => {
      for (const e of request.body.events) {
        const key = links.parseBounceAddress(e.messageId);
        let done = false;
        if (key) {
          if (e.type === "bounced") done = await applyReport({ ...ctx, links, log: () => undefined }, key, { kind: "bounce", hard: e.hard === true, status: "webhook" });
          else if (e.type === "complained") done = await applyReport({ ...ctx, links, log: () => undefined }, key, { kind: "complaint", feedbackType: "webhook" });
          else if (e.type === "unsubscribed") {
            const target = await tracking.targetOf(key);
            if (target && !target.administrative) {
              await tracking.unsubscribe(target, "webhook");
              done = true;
            }
          } else done = !!(await ctx.engine.messageEventByKey(key, e.type, e.url ? { url: e.url } : {}, at));
        }
        if (done) applied++;
        else unmatched++;
      }
    });
    ctx.wake();
    return { applied, unmatched };
  });
});
