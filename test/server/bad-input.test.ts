import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

/**
 * Bad input on every write route, enumerated from the OpenAPI document (a route added later is
 * covered without touching this test): a body of the wrong type, or with a property the route
 * does not know, is a 4xx problem that says what is wrong and where, and writes nothing.
 */
interface Route {
  method: string;
  url: string;
}

for (const { name } of SERVER_STORES) {
  describe(`bad input on every write route (${name})`, () => {
    let s: TestServer;
    let auth: { authorization: string };
    const routes: Route[] = [];

    beforeAll(async () => {
      s = await testServer(name);
      ({ auth } = await s.project({ id: "alpha" }));
      // Something in the project, so a write that slipped through would show in the counts.
      await s.call("POST", "/api/v1/projects/alpha/fields", auth, { key: "firstName", type: "text" });
      await s.call("POST", "/api/v1/projects/alpha/contacts", auth, { fields: { email: "ann@example.com", firstName: "Ann" } });
      const spec = (await s.call("GET", "/docs/json", {})).json() as {
        paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
      };
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (!["post", "put", "patch"].includes(method)) continue;
          if (!op.requestBody?.content?.["application/json"]) continue;
          // Signed webhooks check their signature before reading the body (test/tracking/webhook.test.ts).
          if (path.startsWith("/api/v1/webhooks/")) continue;
          routes.push({ method: method.toUpperCase(), url: path });
        }
      }
    });
    afterAll(async () => s?.close());

    /** A project's admin key on project routes; the instance administrator's session elsewhere. */
    const who = (r: Route) => (r.url.includes("{projectId}") ? auth : { cookie: s.adminCookie });
    const concrete = (url: string) => url.replace("{projectId}", "alpha").replace("{contactId}", "ann@example.com").replace(/\{[^}]+\}/g, "x1");

    /** Row counts of every table: what "nothing written" means. */
    async function counts(): Promise<Record<string, number>> {
      const tables = s.store.dialect === "postgres"
        ? await s.store.execute("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'", [])
        : await s.store.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", []);
      const out: Record<string, number> = {};
      for (const t of tables) {
        const [row] = await s.store.execute(`SELECT count(*) AS n FROM "${String(t.name)}"`, []);
        out[String(t.name)] = Number(row.n);
      }
      // Sessions and API-key use times are not the data under test.
      delete out.sessions;
      return out;
    }

    it("finds the write routes with a JSON body", () => {
      expect(routes.length).toBeGreaterThan(20);
    });

    it("refuses a body of the wrong type with a 400 problem naming the body, and writes nothing", async () => {
      const before = await counts();
      const wrong: string[] = [];
      for (const r of routes) {
        const res = await s.call(r.method, concrete(r.url), who(r), [1, 2, 3]);
        const body = res.json();
        const ok = res.statusCode === 400 && String(res.headers["content-type"]).startsWith("application/problem+json") &&
          body.code === "invalid_input" && (body.errors ?? []).some((e: { path: string }) => e.path.startsWith("body"));
        if (!ok) wrong.push(`${r.method} ${r.url} → ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
      expect(await counts()).toEqual(before);
    });

    it("refuses an unknown property with a 4xx problem that names it, and writes nothing", async () => {
      const before = await counts();
      const wrong: string[] = [];
      for (const r of routes) {
        const res = await s.call(r.method, concrete(r.url), who(r), { colourOfTheSky: "blue" });
        const body = res.json();
        const ok = res.statusCode >= 400 && res.statusCode < 500 && String(res.headers["content-type"]).startsWith("application/problem+json") &&
          typeof body.code === "string" && (JSON.stringify(body).includes("colourOfTheSky") || res.statusCode === 404);
        if (!ok) wrong.push(`${r.method} ${r.url} → ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
      expect(await counts()).toEqual(before);
    });
  });
}
