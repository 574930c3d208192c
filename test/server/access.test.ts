import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, SERVER_STORES, testServer, type TestServer } from "./helper.js";

for (const { name } of SERVER_STORES) {
  describe(`access (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("refuses a request without credentials, with a wrong key, or with a wrong password", async () => {
      s = await testServer(name);
      const none = await s.call("GET", "/api/v1/projects", {});
      expect(none.statusCode).toBe(401);
      expect(none.headers["content-type"]).toContain("application/problem+json");
      expect(none.json().code).toBe("unauthorized");
      const wrong = await s.call("GET", "/api/v1/projects", { authorization: "Bearer rls_nope" });
      expect(wrong.statusCode).toBe(401);
      const login = await s.call("POST", "/api/v1/auth/login", {}, { email: ADMIN.email, password: "wrong password" });
      expect(login.statusCode).toBe(401);
      expect(login.json().code).toBe("invalid_credentials");
    });

    it("shows an API key once, stores only its hash, and stops accepting it once revoked", async () => {
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      const list = await s.call("GET", "/api/v1/projects/shop/api-keys", p.auth);
      expect(list.statusCode).toBe(200);
      expect(JSON.stringify(list.json())).not.toContain(p.key);
      const rows = await s.store.execute("SELECT key_hash FROM api_keys", []);
      expect(rows.map((r) => r.key_hash)).not.toContain(p.key);
      const id = list.json().apiKeys[0].id;
      expect((await s.call("GET", "/api/v1/projects/shop", p.auth)).statusCode).toBe(200);
      expect((await s.call("DELETE", `/api/v1/projects/shop/api-keys/${id}`, p.auth)).statusCode).toBe(200);
      expect((await s.call("GET", "/api/v1/projects/shop", p.auth)).statusCode).toBe(401);
    });

    it("answers 404 to a key of project A on project B, and 403 when the role is too small", async () => {
      s = await testServer(name);
      const a = await s.project({ id: "a" });
      await s.project({ id: "b" });
      const other = await s.call("GET", "/api/v1/projects/b", a.auth);
      expect(other.statusCode).toBe(404);
      const viewer = await s.call("POST", "/api/v1/projects/a/api-keys", { cookie: s.adminCookie }, { name: "ro", role: "viewer" });
      const ro = { authorization: `Bearer ${viewer.json().key}` };
      expect((await s.call("GET", "/api/v1/projects/a", ro)).statusCode).toBe(200);
      const patch = await s.call("PATCH", "/api/v1/projects/a", ro, { name: "x" });
      expect(patch.statusCode).toBe(403);
      expect(patch.json().code).toBe("forbidden");
    });

    it("rejects unknown fields and wrong types with the path of each problem", async () => {
      s = await testServer(name);
      const r = await s.call("POST", "/api/v1/projects", { cookie: s.adminCookie }, { name: 5, colour: "blue" });
      expect(r.statusCode).toBe(400);
      const body = r.json();
      expect(body.code).toBe("invalid_input");
      expect(body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["body.name", "body"]));
      expect(body.detail).toContain("colour");
      expect((await s.call("GET", "/api/v1/projects", { cookie: s.adminCookie })).json().projects).toHaveLength(0);
    });

    it("refuses oversize bodies, broken JSON and unknown media types with a problem and writes nothing", async () => {
      s = await testServer(name);
      const cookie = { cookie: s.adminCookie };
      const big = await s.app.inject({ method: "POST", url: "/api/v1/projects", headers: { ...cookie, "content-type": "application/json" }, payload: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }) });
      expect(big.statusCode).toBe(413);
      expect(big.json().code).toBe("payload_too_large");
      const broken = await s.app.inject({ method: "POST", url: "/api/v1/projects", headers: { ...cookie, "content-type": "application/json" }, payload: '{"name": "x",' });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().code).toBe("invalid_json");
      const xml = await s.app.inject({ method: "POST", url: "/api/v1/projects", headers: { ...cookie, "content-type": "application/xml" }, payload: "<name>x</name>" });
      expect(xml.statusCode).toBe(415);
      expect(xml.json().code).toBe("unsupported_media_type");
      expect((await s.call("GET", "/api/v1/projects", cookie)).json().projects).toHaveLength(0);
    });

    it("answers 404, not 401, for a URL that names no route, with or without credentials", async () => {
      s = await testServer(name);
      for (const headers of [{}, { cookie: s.adminCookie }] as Record<string, string>[]) {
        const res = await s.call("GET", "/api/v1/no-such-thing", headers);
        expect(res.statusCode).toBe(404);
        expect(res.json().code).toBe("not_found");
      }
      // A real route still needs credentials.
      expect((await s.call("GET", "/api/v1/projects", {})).statusCode).toBe(401);
    });

    it("serves the OpenAPI document without credentials", async () => {
      s = await testServer(name);
      const r = await s.call("GET", "/docs/json", {});
      expect(r.statusCode).toBe(200);
      expect(Object.keys(r.json().paths)).toContain("/api/v1/projects/{projectId}");
    });
  });
}
