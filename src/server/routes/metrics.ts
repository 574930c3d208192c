import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { ApiError } from "../errors.js";
import { routes } from "./route-plugin.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * `/metrics`: Prometheus text format. Public unless a metrics token is configured
 * (RELAIS_METRICS_TOKEN): then only `Authorization: Bearer <token>` is let in. The token is not
 * an API key: scrapers hold no project, so the route bypasses the project auth hook.
 */
export default routes(async (app) => {
  app.get("/metrics", {
    config: { auth: { public: true } },
    schema: {
      tags: ["operations"],
      summary: "Prometheus metrics (text format); needs Authorization: Bearer <RELAIS_METRICS_TOKEN> when that is set",
      response: { 200: { description: "Prometheus text exposition format 0.0.4", content: { "text/plain": { schema: z.string() } } } },
    },
  }, async (request, reply) => {
    const { metrics, metricsToken, db } = app.relais;
    if (metricsToken) {
      const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "");
      // Hashes first: timingSafeEqual needs equal lengths, and the comparison must not leak the token's.
      if (!m || !timingSafeEqual(digest(m[1]), digest(metricsToken))) {
        reply.header("www-authenticate", 'Bearer realm="metrics"');
        throw new ApiError(401, "unauthorized", "the metrics need Authorization: Bearer <the token set in RELAIS_METRICS_TOKEN>");
      }
    }
    const text = await metrics.render(db);
    return reply.type(metrics.contentType).send(text);
  });
}, "");
