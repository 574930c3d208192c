import { afterEach, describe, expect, it } from "vitest";
import { loadServeConfig } from "../../src/server/config.js";
import { testServer, type TestServer } from "../server/helper.js";

const SITE = "https://shop.example";
const visitor = (n: number) => `visitor-${String(n).padStart(12, "0")}`;

describe("behind a reverse proxy (RELAIS_TRUST_PROXY)", () => {
  let s: TestServer;
  afterEach(async () => s?.close());

  it("reads the setting as a switch, a hop count or addresses", () => {
    expect(loadServeConfig({}).trustProxy).toBeUndefined();
    expect(loadServeConfig({ RELAIS_TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadServeConfig({ RELAIS_TRUST_PROXY: "off" }).trustProxy).toBe(false);
    expect(loadServeConfig({ RELAIS_TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadServeConfig({ RELAIS_TRUST_PROXY: "127.0.0.1,10.0.0.0/8" }).trustProxy).toBe("127.0.0.1,10.0.0.0/8");
  });

  it("limits the site tracker per client address from X-Forwarded-For when the proxy is trusted, and never believes an untrusted one", async () => {
    s = await testServer("sqlite", { trustProxy: "10.0.0.1" });
    const p = await s.project({ id: "shop", modules: { siteTracking: true } });
    expect((await s.call("PUT", `/api/v1/projects/${p.id}/sites`, p.auth, { sites: [SITE] })).statusCode).toBe(200);
    const collect = (n: number, from: string, forwarded: string) => s.app.inject({
      method: "POST", url: `/s/${p.id}/collect`, remoteAddress: from,
      headers: { "content-type": "text/plain", origin: SITE, "x-forwarded-for": forwarded },
      payload: JSON.stringify({ visitor: visitor(n), events: [] }),
    });
    // 320 shoppers behind the one proxy: each its own address, none held back.
    for (let i = 0; i < 320; i++) expect((await collect(i, "10.0.0.1", `198.51.${100 + Math.floor(i / 250)}.${i % 250}`)).statusCode).toBe(200);
    // One address behind the proxy sending for 300 visitors is limited.
    for (let i = 0; i < 300; i++) expect((await collect(1000 + i, "10.0.0.1", "192.0.2.50")).statusCode).toBe(200);
    const limited = await collect(2000, "10.0.0.1", "192.0.2.50");
    expect(limited.statusCode).toBe(429);
    expect(limited.json().detail).toContain("IP address");
    // A client that is not the proxy cannot dodge the limit by writing the header itself.
    for (let i = 0; i < 300; i++) expect((await collect(3000 + i, "192.0.2.99", `198.51.100.${i % 250}`)).statusCode).toBe(200);
    expect((await collect(4000, "192.0.2.99", "198.51.100.251")).statusCode).toBe(429);
  });
});
