import { z } from "zod";
import { LinkSigner } from "../../channels/links.js";
import { ClickIdentity } from "../../site/click-identity.js";
import { pageLang, pages } from "../../tracking/pages.js";
import { Tracking } from "../../tracking/tracking.js";
import { routes } from "./route-plugin.js";

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const Token = z.string().min(1).max(600);
const LangQuery = z.object({ lang: z.enum(["fr", "en"]).optional() });
const pub = { auth: { public: true } };
const tags = ["tracking"];

/**
 * The links in messages, at the root of the server (`/t/o/…`, `/t/c/…`, `/v/…`, `/u/…`): open
 * pixel, click redirect, view online, unsubscribe page and RFC 8058 one-click unsubscribe. No
 * credentials: the signature of the link is the credential (src/channels/links.ts).
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const links = new LinkSigner(ctx.secret, ctx.baseUrl);
  const tracking = new Tracking({ store: ctx.store, engine: ctx.engine, clock: ctx.clock, db: ctx.db, links, wake: ctx.wake });
  // A click to one of the project's tracked sites carries a site identity token (docs/site-tracking.md).
  const clickIdentity = new ClickIdentity(ctx, links);
  // Unsubscribe forms and mail clients' one-click POSTs (List-Unsubscribe=One-Click): the body says nothing we need.
  app.addContentTypeParser(["application/x-www-form-urlencoded", "multipart/form-data"], { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => done(null, body));

  app.get("/t/o/:file", {
    config: pub,
    schema: { tags, summary: "Open pixel of a message: a 1×1 GIF, whatever the token", params: z.object({ file: Token }) },
  }, async (request, reply) => {
    try {
      await tracking.open(request.params.file, request.headers["user-agent"]);
    } catch (e) {
      request.log.error({ err: e }, "could not record an open");
    }
    return reply.header("cache-control", "no-store, max-age=0").type("image/gif").send(PIXEL);
  });

  app.get("/t/c/:token", {
    config: pub,
    schema: { tags, summary: "Click link of a message: records the click and redirects to the signed URL; a tampered link is refused", params: z.object({ token: Token }), querystring: z.object({ u: z.string().max(8000).optional(), lang: z.enum(["fr", "en"]).optional() }) },
  }, async (request, reply) => {
    const url = await tracking.click(request.params.token, request.query.u, request.headers["user-agent"]);
    if (!url) return reply.code(400).type("text/html; charset=utf-8").send(pages.invalidLink(pageLang(request.query.lang, request.headers["accept-language"])));
    return reply.header("cache-control", "no-store").redirect(await clickIdentity.target(request.params.token, url), 302);
  });

  app.get("/v/:token", {
    config: pub,
    schema: { tags, summary: "A message as it was sent (view online)", params: z.object({ token: Token }), querystring: LangQuery },
  }, async (request, reply) => {
    const html = await tracking.view(request.params.token);
    if (html === undefined) return reply.code(404).type("text/html; charset=utf-8").send(pages.invalidLink(pageLang(request.query.lang, request.headers["accept-language"])));
    return reply
      .header("content-security-policy", "default-src 'none'; img-src * data:; style-src 'unsafe-inline' *; font-src *; frame-ancestors 'none'")
      .header("x-robots-tag", "noindex").type("text/html; charset=utf-8").send(html);
  });

  app.get("/u/:token", {
    config: pub,
    schema: { tags, summary: "Unsubscribe page of a message (French by default, ?lang=en)", params: z.object({ token: Token }), querystring: LangQuery },
  }, async (request, reply) => {
    const lang = pageLang(request.query.lang, request.headers["accept-language"]);
    const target = await tracking.unsubscribeTarget(request.params.token);
    reply.type("text/html; charset=utf-8").header("x-robots-tag", "noindex");
    if (!target) return reply.code(404).send(pages.invalidLink(lang));
    if (target.administrative) return pages.administrative(lang);
    // Showing the page changes nothing: link scanners fetch every URL of a message.
    return pages.unsubscribeAsk(lang, target.communicationType, `/u/${request.params.token}`);
  });

  app.post("/u/:token", {
    config: pub,
    schema: { tags, summary: "Unsubscribes the message's contact from its communication type (the page's button, and RFC 8058 one-click)", params: z.object({ token: Token }), querystring: LangQuery },
  }, async (request, reply) => {
    const lang = pageLang(request.query.lang, request.headers["accept-language"]);
    const target = await tracking.unsubscribeTarget(request.params.token);
    reply.type("text/html; charset=utf-8");
    if (!target) return reply.code(404).send(pages.invalidLink(lang));
    if (target.administrative) return pages.administrative(lang);
    await tracking.unsubscribe(target);
    return pages.unsubscribeDone(lang, target.communicationType);
  });
}, "");
