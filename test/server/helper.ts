import type { LightMyRequestResponse } from "fastify";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { LinkSigner } from "../../src/channels/links.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { buildApp, type App, type AppOptions } from "../../src/server/app.js";
import { createContext, type ServerContext } from "../../src/server/context.js";
import { Metrics } from "../../src/server/metrics.js";
import { PgStore } from "../../src/store/postgres/pg-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

/** The stores server tests run on: SQLite always, PostgreSQL where DATABASE_URL is set. */
export const SERVER_STORES: { name: string; make: () => { store: Store; cleanup: () => Promise<void> } }[] = [
  { name: "sqlite", make: () => ({ store: new SqliteStore(":memory:"), cleanup: async () => undefined }) },
  ...(DATABASE_URL
    ? [{
        name: "postgres",
        make: () => {
          const schema = freshSchema("relais_srv");
          return { store: new PgStore(DATABASE_URL!, schema) as Store, cleanup: () => dropSchemas(DATABASE_URL!, [schema]) };
        },
      }]
    : []),
];

/** The public URL the test servers put in messages' links. */
export const BASE_URL = "http://relais.test";

export const ADMIN = { email: "admin@example.com", password: "correct horse battery" };

export interface TestServer {
  app: App;
  ctx: ServerContext;
  store: Store;
  clock: VirtualClock;
  /** Cookie header of the instance administrator's session. */
  adminCookie: string;
  /** Creates a project as the administrator and an API key on it (role admin unless told). */
  project(body?: Record<string, unknown>, role?: string): Promise<{ id: string; key: string; auth: { authorization: string } }>;
  /** `app.inject` with a JSON body; `auth` is headers (a key's or a cookie). */
  call(method: string, url: string, auth: Record<string, string>, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A server on a fresh store with a virtual clock (2026-12-01T13:00Z) and an administrator logged in. */
export async function testServer(storeName = "sqlite", appOptions: AppOptions = {}): Promise<TestServer> {
  const factory = SERVER_STORES.find((s) => s.name === storeName);
  if (!factory) throw new Error(`no store ${storeName}`);
  const { store, cleanup } = factory.make();
  await store.migrate();
  const clock = new VirtualClock(Date.parse("2026-12-01T13:00:00Z"));
  const metrics = new Metrics();
  // Signed links, with the same key and base URL as the server's tracking endpoints.
  const secret = Buffer.alloc(32, 7);
  const engine = new Engine({ store, clock, transport: new CaptureTransport(true), links: new LinkSigner(secret, BASE_URL), onBatch: metrics.onBatch });
  const ctx = createContext({ store, clock, engine, secret, baseUrl: BASE_URL, metrics });
  await store.transaction(() => ctx.accounts.createUser({ ...ADMIN, isAdmin: true }, clock.now()));
  const app = await buildApp(ctx, appOptions);
  const call = (method: string, url: string, auth: Record<string, string>, body?: unknown) =>
    app.inject({ method: method as "GET", url, headers: { ...auth }, ...(body === undefined ? {} : { payload: body as object }) });
  const login = await call("POST", "/api/v1/auth/login", {}, ADMIN);
  const setCookie = login.headers["set-cookie"];
  const adminCookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";")[0];
  let seq = 0;
  return {
    app, ctx, store, clock, adminCookie, call,
    async project(body = {}, role = "admin") {
      const created = await call("POST", "/api/v1/projects", { cookie: adminCookie }, { name: `Project ${++seq}`, ...body });
      if (created.statusCode !== 201) throw new Error(`cannot create project: ${created.body}`);
      const id = created.json().id as string;
      const k = await call("POST", `/api/v1/projects/${id}/api-keys`, { cookie: adminCookie }, { name: "test", role });
      const key = k.json().key as string;
      return { id, key, auth: { authorization: `Bearer ${key}` } };
    },
    async close() {
      await app.close();
      await store.close();
      await cleanup();
    },
  };
}
