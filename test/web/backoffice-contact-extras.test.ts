import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

describe.each(SERVER_STORES.map((s) => s.name))("a contact's promo codes and push devices, for the profile (%s)", (storeName) => {
  let s: TestServer;
  afterEach(async () => s?.close());

  it("lists the codes granted to the contact, newest first, and no one else's", async () => {
    s = await testServer(storeName);
    const p = await s.project({ id: "shop" });
    const base = "/api/v1/projects/shop";
    expect((await s.call("POST", `${base}/promo-banks`, p.auth, { key: "spring" })).statusCode).toBe(201);
    expect((await s.call("POST", `${base}/promo-banks/spring/codes`, p.auth, { codes: ["S-1", "S-2", "S-3"] })).statusCode).toBe(200);
    await s.store.transaction(() => s.store.upsertContacts("shop", [
      { id: "ann@example.com", fields: { email: "ann@example.com" } },
      { id: "bob@example.com", fields: { email: "bob@example.com" } },
    ], s.clock.now()));
    const ann = (await s.store.findContact("shop", "ann@example.com"))!;
    const bob = (await s.store.findContact("shop", "bob@example.com"))!;
    await s.store.transaction(async () => {
      await s.store.takePromoCode("shop", "spring", ann.pk, 7, 1000);
      await s.store.takePromoCode("shop", "spring", bob.pk, 8, 2000);
      await s.store.takePromoCode("shop", "spring", ann.pk, 9, 3000);
    });
    // The address is normalized like every contact path (case-insensitive email).
    const r = await s.call("GET", `${base}/contacts/ANN@example.com/promo-codes`, p.auth);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ promoCodes: [
      { bank: "spring", code: "S-3", grantedAt: 3000, journey: 9 },
      { bank: "spring", code: "S-1", grantedAt: 1000, journey: 7 },
    ] });
    expect((await s.call("GET", `${base}/contacts/cy@example.com/promo-codes`, p.auth)).statusCode).toBe(404);
  });

  it("shows each push device's service and date, never its endpoint or keys", async () => {
    s = await testServer(storeName);
    const p = await s.project({ id: "shop" });
    const base = "/api/v1/projects/shop";
    await s.store.transaction(() => s.store.upsertContacts("shop", [{ id: "ann@example.com", fields: { email: "ann@example.com" } }], s.clock.now()));
    const sub = { endpoint: "https://fcm.googleapis.com/fcm/send/secret-capability-token", keys: { p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", auth: "tBHItJI5svbpez7KI4CCXg" } };
    const added = await s.call("POST", `${base}/push/subscriptions`, p.auth, { contact: "ann@example.com", subscription: sub });
    expect(added.statusCode, added.body).toBe(201);
    const r = await s.call("GET", `${base}/contacts/ann@example.com/push-subscriptions`, p.auth);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ devices: [{ service: "fcm.googleapis.com", at: s.clock.now() }] });
    expect(r.body).not.toContain("secret-capability-token");
    expect(r.body).not.toContain("tBHItJI5svbpez7KI4CCXg");
  });
});
