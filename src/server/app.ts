import fastifyCookie from "@fastify/cookie";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type RawServerDefault } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { registerAuth } from "./auth.js";
import type { ServerContext } from "./context.js";
import { errorHandler } from "./errors.js";
import { registerHttpMetrics } from "./metrics.js";
import { ROUTES } from "./routes/index.js";
import { registerWeb } from "./web.js";

declare module "fastify" {
  interface FastifyInstance {
    relais: ServerContext;
  }
}

/** The app with the zod type provider: every route declares its schemas with zod. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface AppOptions {
  /** pino options or `false` (tests). Secrets are redacted whatever the level. */
  logger?: FastifyServerOptions["logger"];
  /** Largest JSON body accepted, in bytes (CSV uploads have their own limit). */
  bodyLimit?: number;
  /**
   * Which proxies to believe about the client's address (`X-Forwarded-For`), for the site
   * tracker's per-IP limit and the logs: Fastify's `trustProxy` (true, a hop count, or addresses/CIDRs).
   */
  trustProxy?: boolean | number | string;
}

/** Header and body paths pino must never print. */
export const REDACT = [
  "req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]',
  "password", "*.password", "key", "*.secret", "*.privateKey", "*.passphrase",
];

/**
 * Builds the HTTP app around a server context: problem+json errors, authentication and project
 * checks, OpenAPI at `/docs` (JSON at `/docs/json`), one plugin per resource under `/api/v1`.
 */
export async function buildApp(ctx: ServerContext, options: AppOptions = {}): Promise<App> {
  const logger = options.logger === undefined ? false : options.logger;
  const app = Fastify({
    logger: logger && typeof logger === "object" ? { ...logger, redact: { paths: REDACT, censor: "[redacted]" } } : logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify takes a hop count too (lib/request.js), though its types list only boolean and addresses.
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy as boolean | string } : {}),
    // Query strings like ?tag=a&tag=b become arrays.
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate("relais", ctx);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).type("application/problem+json").send({
      type: "https://relais.dev/problems/not_found", title: "not found", status: 404, code: "not_found", detail: `no route ${request.method} ${request.url.split("?")[0]}`,
    }));
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Relais API", description: "Automated marketing campaigns: projects, contacts, imports, campaigns, reports.", version: "1" },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "A project API key (rls_…)" },
          session: { type: "apiKey", in: "cookie", name: "relais_session" },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The UI's own routes are public: the document describes the API, it holds no data.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs")) route.config = { ...(route.config as object), auth: { public: true } };
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });
  registerAuth(app as unknown as FastifyInstance);
  registerHttpMetrics(app as unknown as FastifyInstance);
  for (const plugin of ROUTES) await app.register(plugin, { prefix: plugin.prefix ?? "/api/v1" });
  await registerWeb(app as unknown as FastifyInstance);
  await app.ready();
  return app as App;
}
