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
});
