import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";

/** Paths that belong to the API, its docs, metrics and tracking: never answered with the editor. */
export const NOT_WEB = /^\/(api|docs|metrics|t|u|v|l|s)(\/|$)/;

/** The package root: the nearest folder above this module holding package.json (works from src/ and dist/). */
function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `vite build` puts the editor. */
export function webDir(): string {
  return join(packageRoot(), "dist", "web");
}

const MISSING = `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Relais</title></head>
<body style="font-family:system-ui;max-width:640px;margin:60px auto">
<h1>Relais</h1>
<p>L'éditeur web n'est pas construit. Lancez <code>npm run build</code> puis redémarrez <code>relais serve</code>.</p>
<p lang="en">The web editor is not built. Run <code>npm run build</code>, then restart <code>relais serve</code>.</p>
<p>API : <a href="/docs">/docs</a></p></body></html>`;

/**
 * Serves the editor (docs/editor.md): the files of `dist/web` at `/`, and index.html for any
 * other GET outside the API, docs, metrics and tracking paths (the single-page app routes
 * itself). Without a build, a page that says how to make one.
 */
export async function registerWeb(app: FastifyInstance, dir = webDir()): Promise<void> {
  const built = existsSync(join(dir, "index.html"));
  // The editor's files hold no data: public, like /docs. Registered last, so only web routes get here.
  app.addHook("onRoute", (route) => {
    if (!NOT_WEB.test(route.url)) route.config = { ...(route.config as object), auth: { public: true } };
  });
  if (built) {
    await app.register(fastifyStatic, { root: dir, prefix: "/", wildcard: false, index: false, cacheControl: false });
  }
  const notFound = (url: string) => ({
    type: "https://relais.dev/problems/not_found", title: "not found", status: 404, code: "not_found", detail: `no route GET ${url}`,
  });
  app.get("/*", {
    config: { auth: { public: true } },
    schema: { hide: true, summary: "The web editor (single-page app)", params: z.object({ "*": z.string() }) },
  }, async (request, reply) => {
    const path = request.url.split("?")[0];
    if (NOT_WEB.test(path)) return reply.code(404).type("application/problem+json").send(notFound(path));
    if (!built) return reply.code(503).type("text/html; charset=utf-8").send(MISSING);
    // Hashed assets are cached by the browser; the page itself is always revalidated.
    reply.header("cache-control", "no-cache");
    return reply.sendFile("index.html");
  });
}
