import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, ensureBuilt, startServe, type ServeProcess } from "./serve-process.js";

const PASSWORD = "e2e admin password";

describe("relais serve on a real port", () => {
  let server: ServeProcess | undefined;
  beforeAll(ensureBuilt);
  afterEach(async () => {
    if (server && server.child.exitCode === null) await server.stop("SIGKILL");
    server = undefined;
  });

  it("creates an administrator and a demo project on first start, and prints how to log in", async () => {
    server = await startServe();
    expect(server.output()).toMatch(/log in as admin@relais\.local with the password \S+/);
    const password = /with the password (\S+)/.exec(server.output())![1];
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const demo = await api(server.url, "GET", "/api/v1/projects/demo", { cookie });
    expect(demo.status).toBe(200);
    expect(demo.json.name).toBe("Démo");
    expect((await api(server.url, "GET", "/health", {})).json).toEqual({ status: "ok", database: "sqlite" });
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain("relais serve: stopped");
  });

  it("keeps its data across restarts and does not create a second administrator", async () => {
    server = await startServe({ RELAIS_ADMIN_PASSWORD: PASSWORD });
    const dataDir = server.dataDir;
    expect(await server.stop()).toBe(0);
    server = await startServe({ RELAIS_ADMIN_PASSWORD: "another password" }, dataDir);
    expect(server.output()).not.toContain("First start");
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: PASSWORD });
    expect(login.status).toBe(200);
  });

  it("refuses to start with an invalid configuration and says which setting is wrong", async () => {
    await expect(startServe({ RELAIS_ADMIN_PASSWORD: "short" })).rejects.toThrow(/adminPassword: RELAIS_ADMIN_PASSWORD needs at least 10 characters/);
  });

  it("logs requests at debug level without passwords, session cookies or API keys", async () => {
    server = await startServe({ RELAIS_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: "trace" });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: PASSWORD });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const key = await api(server.url, "POST", "/api/v1/projects/demo/api-keys", { cookie }, { name: "ci" });
    expect(key.status).toBe(201);
    await api(server.url, "GET", "/api/v1/projects/demo", { authorization: `Bearer ${key.json.key}` });
    await api(server.url, "GET", "/api/v1/projects/demo", { authorization: "Bearer rls_wrong-key-value" });
    expect(await server.stop()).toBe(0);
    const logs = server.output();
    expect(logs).toContain("incoming request");
    for (const secret of [PASSWORD, cookie.split("=")[1], key.json.key, "rls_wrong-key-value"]) expect(logs).not.toContain(secret);
  });

  it("reads a configuration file, with environment variables taking precedence", async () => {
    const dir = mkdtempSync(join(tmpdir(), "relais-conf-"));
    const file = join(dir, "relais.config.json");
    writeFileSync(file, JSON.stringify({ adminEmail: "boss@example.com", adminPassword: PASSWORD, demo: false }));
    server = await startServe({ RELAIS_CONFIG: file, RELAIS_ADMIN_EMAIL: "chief@example.com" });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "chief@example.com", password: PASSWORD });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    expect((await api(server.url, "GET", "/api/v1/projects", { cookie })).json.projects).toEqual([]);
  });
});
