import { z } from "zod";
import { LinkSigner } from "../../channels/links.js";
import { pageLang, pages } from "../../tracking/pages.js";
import { ClickIdentity } from "../../site/click-identity.js";
import { Tracking } from "../../tracking/tracking.js";
import { routes } from "./route-plugin.js";

/**
 * Short click links of SMS (`/l/<code>`, docs/sms-push.md): the signed code names the message and
 * the link's index; the target is read from the message. A forged or unknown code is a 404 page.
 */
export default routes(async (app) => {
  const ctx = app.relais;
  const links = new LinkSigner(ctx.secret, ctx.baseUrl);
  const tracking = new Tracking({ store: ctx.store, engine: ctx.engine, clock: ctx.clock, db: ctx.db, links, wake: ctx.wake });
  // A link to one of the project's tracked sites carries a site identity token, as email clicks do (docs/site-tracking.md).
  const clickIdentity = new ClickIdentity(ctx, links);
  app.get("/l/:code", {
    config: { auth: { public: true } },
    schema: {
      tags: ["tracking"],
      summary: "Short click link of an SMS: records the click and redirects to the URL the message held",
      params: z.object({ code: z.string().min(1).max(60) }),
      querystring: z.object({ lang: z.enum(["fr", "en"]).optional() }),
    },
  }, async (request, reply) => {
    const url = await tracking.shortClick(request.params.code, request.headers["user-agent"]);
    if (!url) return reply.code(404).type("text/html; charset=utf-8").send(pages.invalidLink(pageLang(request.query.lang, request.headers["accept-language"])));
    return reply.header("cache-control", "no-store").header("x-robots-tag", "noindex").redirect(await clickIdentity.shortTarget(request.params.code, url), 302);
  });
}, "");
