import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

/** One resource's routes. Mounted under `/api/v1` unless `prefix` says otherwise. */
export type RoutePlugin = FastifyPluginAsyncZod & { prefix?: string };

/** Declares a resource plugin (optionally mounted elsewhere than `/api/v1`). */
export function routes(plugin: FastifyPluginAsyncZod, prefix?: string): RoutePlugin {
  return Object.assign(plugin, prefix === undefined ? {} : { prefix });
}
