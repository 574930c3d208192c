import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

/**
 * Every route of the API under /projects/:projectId, enumerated from the app itself, so a route
 * added later is covered without touching this test: a key or a user of project A gets 404 on
 * project B (it cannot even learn that B exists), and a viewer gets 403 on every write.
 */
for (const { name } of SERVER_STORES) {
  describe(`project isolation (${name})`, () => {
    let s: TestServer;
    let a: { id: string; auth: { authorization: string } };
    let viewer: { authorization: string };
    let memberCookie: string;
    const routes: { method: string; url: string }[] = [];

    beforeAll(async () => {
      s = await testServer(name);
      a = await s.project({ id: "alpha" });
      await s.project({ id: "beta" });
      const v = await s.call("POST", "/api/v1/projects/alpha/api-keys", { cookie: s.adminCookie }, { name: "viewer", role: "viewer" });
      viewer = { authorization: `Bearer ${v.json().key}` };
      // A plain user, editor of alpha only.
      await s.call("POST", "/api/v1/users", { cookie: s.adminCookie }, { email: "eve@example.com", password: "a long enough password" });
      await s.call("PUT", "/api/v1/projects/alpha/members", { cookie: s.adminCookie }, { email: "eve@example.com", role: "editor" });
      const login = await s.call("POST", "/api/v1/auth/login", {}, { email: "eve@example.com", password: "a long enough password" });
      memberCookie = String(login.headers["set-cookie"]).split(";")[0];
      const spec = (await s.call("GET", "/docs/json", {})).json() as { paths: Record<string, Record<string, unknown>> };
      for (const [path, methods] of Object.entries(spec.paths)) {
        if (!path.includes("{projectId}")) continue;
        // Providers' webhooks authenticate by their signature, not by a key or a session (tested in their own suites).
        if (path.startsWith("/api/v1/webhooks/")) continue;
        for (const method of Object.keys(methods)) routes.push({ method: method.toUpperCase(), url: path });
      }
    });
    afterAll(async () => s?.close());

    const concrete = (url: string, project: string) =>
      `/api/v1${url.replace(/^\/api\/v1/, "")}`.replace("{projectId}", project).replace(/\{[^}]+\}/g, "x1");

    it("lists the project routes it checks", () => {
      expect(routes.length).toBeGreaterThan(5);
    });

    it("answers 404 to a key of another project on every project route", async () => {
      const leaks: string[] = [];
      for (const r of routes) {
        const res = await s.call(r.method, concrete(r.url, "beta"), a.auth, {});
        if (res.statusCode !== 404 || res.json().code !== "not_found" || !/project/.test(res.json().detail)) leaks.push(`${r.method} ${r.url} → ${res.statusCode}`);
      }
      expect(leaks).toEqual([]);
    });

    it("answers 404 to a user who is not a member of the project on every project route", async () => {
      const leaks: string[] = [];
      for (const r of routes) {
        const res = await s.call(r.method, concrete(r.url, "beta"), { cookie: memberCookie }, {});
        if (res.statusCode !== 404) leaks.push(`${r.method} ${r.url} → ${res.statusCode}`);
      }
      expect(leaks).toEqual([]);
    });

    it("answers the same 404 for a project that does not exist", async () => {
      const res = await s.call("GET", "/api/v1/projects/nope", a.auth);
      const other = await s.call("GET", "/api/v1/projects/beta", a.auth);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(other.json());
    });

    // POSTs that only read (a search too large for a query string): a viewer may use them.
    const READ_ONLY_POSTS = new Set([
      "/api/v1/projects/{projectId}/contacts/search",
      "/api/v1/projects/{projectId}/campaigns/{campaignId}/elements/{elementId}/preview",
      "/api/v1/projects/{projectId}/email-preview",
      "/api/v1/projects/{projectId}/sms-preview",
      "/api/v1/projects/{projectId}/simulate",
      "/api/v1/projects/{projectId}/personas/count",
    ]);
    const isWrite = (r: { method: string; url: string }) => r.method !== "GET" && !(r.method === "POST" && READ_ONLY_POSTS.has(r.url));

    it("answers 403 to a viewer on every write route of its own project", async () => {
      const wrong: string[] = [];
      for (const r of routes.filter(isWrite)) {
        const res = await s.call(r.method, concrete(r.url, "alpha"), viewer, {});
        if (res.statusCode !== 403) wrong.push(`${r.method} ${r.url} → ${res.statusCode}`);
      }
      expect(wrong).toEqual([]);
    });

    it("lets a viewer search contacts with a rule (a read sent as POST)", async () => {
      expect(routes.some((r) => r.method === "POST" && READ_ONLY_POSTS.has(r.url))).toBe(true);
      const res = await s.call("POST", "/api/v1/projects/alpha/contacts/search", viewer, {});
      expect(res.statusCode).toBe(200);
      expect(Array.isArray(res.json().contacts)).toBe(true);
    });

    it("lets the project's own key through the check (anything but 401/403/project-404)", async () => {
      const blocked: string[] = [];
      for (const r of routes.filter((x) => x.method === "GET")) {
        const res = await s.call(r.method, concrete(r.url, "alpha"), a.auth);
        if (res.statusCode === 401 || res.statusCode === 403 || (res.statusCode === 404 && /^project not found/.test(res.json().detail))) blocked.push(`${r.method} ${r.url} → ${res.statusCode}`);
      }
      expect(blocked).toEqual([]);
    });
  });
}
