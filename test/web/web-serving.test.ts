import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerWeb } from "../../src/server/web.js";

async function appOn(dir: string) {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await registerWeb(app, dir);
  return app;
}

describe("serving the editor", () => {
  it("says how to build it when dist/web is missing, and leaves API paths alone", async () => {
    const app = await appOn(join(tmpdir(), "relais-no-such-web-build"));
    const page = await app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("npm run build");
    const api = await app.inject({ method: "GET", url: "/api/v1/whatever" });
    expect(api.statusCode).toBe(404);
    expect(api.json().code).toBe("not_found");
    for (const url of ["/t/abc", "/u/abc", "/v/abc", "/docs/nothing"]) expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(404);
    await app.close();
  });

  it("serves the built files and index.html for the app's own paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "relais-web-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><div id=root></div>");
    writeFileSync(join(dir, "app.js"), "console.log(1)");
    const app = await appOn(dir);
    expect((await app.inject({ method: "GET", url: "/app.js" })).body).toBe("console.log(1)");
    for (const url of ["/", "/campagnes?campaign=c-1"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain("id=root");
    }
    await app.close();
  });
});
