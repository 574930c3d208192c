import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

describe.each(SERVER_STORES.map((s) => s.name))("counting a rule before it is saved as a persona (%s)", (storeName) => {
  let s: TestServer;
  afterEach(async () => s?.close());

  async function setup() {
    s = await testServer(storeName);
    const p = await s.project({ id: "shop" });
    const base = "/api/v1/projects/shop";
    expect((await s.call("POST", `${base}/fields`, p.auth, { key: "language", type: "text" })).statusCode).toBe(201);
    await s.store.transaction(() => s.store.upsertContacts("shop", [
      { id: "ann@example.com", fields: { email: "ann@example.com", language: "fr" } },
      { id: "bob@example.com", fields: { email: "bob@example.com", language: "en" } },
      { id: "cy@example.com", fields: { email: "cy@example.com", language: "fr" }, status: "deactivated" },
    ], s.clock.now()));
    return { ...p, base };
  }

  it("answers how many active contacts the rule holds for, and saves nothing", async () => {
    const p = await setup();
    const r = await s.call("POST", `${p.base}/personas/count`, p.auth, { rule: { field: "language", operator: "equals", value: "fr" } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ count: 1 });
    const any = await s.call("POST", `${p.base}/personas/count`, p.auth, { rule: { any: [{ field: "language", operator: "equals", value: "fr" }, { field: "language", operator: "equals", value: "en" }] } });
    expect(any.json()).toEqual({ count: 2 });
    expect((await s.call("GET", `${p.base}/personas`, p.auth)).json().personas).toEqual([]);
  });

  it("names an unknown field as bad input, and a reader may count", async () => {
    const p = await setup();
    const bad = await s.call("POST", `${p.base}/personas/count`, p.auth, { rule: { field: "shoeSize", operator: "equals", value: 42 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ path: "body.rule.field", message: "unknown field shoeSize" }]);
    const k = await s.call("POST", `${p.base}/api-keys`, { cookie: s.adminCookie }, { name: "reader", role: "viewer" });
    expect(k.statusCode, k.body).toBe(201);
    const r = await s.call("POST", `${p.base}/personas/count`, { authorization: `Bearer ${k.json().key}` }, { rule: { field: "language", operator: "isNotEmpty" } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ count: 2 });
  });
});
