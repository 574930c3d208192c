import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const MIN = 60_000;
const SITE = "https://shop.example";

const visitor = (n: number | string) => `visitor-${String(n).padStart(12, "0")}`;
const page = (path: string) => ({ type: "page_view", url: `${SITE}${path}`, title: path });

const PROMO = {
  name: "Pages promo",
  reentry: "always",
  elements: [
    { id: "t1", type: "trigger.pageVisited", params: { urls: [`${SITE}/promo/*`] } },
    { id: "a1", type: "action.updateContacts", params: { set: { firstName: "Promo" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
};

for (const { name } of SERVER_STORES) {
  describe(`site tracking ingest (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp(modules: Record<string, boolean> = { siteTracking: true, ecommerce: true }) {
      s = await testServer(name);
      const p = await s.project({ id: "shop", modules, defaultSender: { name: "Boutique", email: "bonjour@shop.example" } });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "shop", channel: "email" }],
      }));
      const url = `/api/v1/projects/${p.id}`;
      const call = (method: string, path: string, body?: unknown) => s.call(method, `${url}${path}`, p.auth, body);
      expect((await call("PUT", "/sites", { sites: [SITE] })).json()).toEqual({ sites: [SITE] });
      for (const who of ["ann", "bob"]) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created",
          contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com`, firstName: who }, subscriptions: { shop: true } },
        });
      }
      const collect = (body: unknown, o: { origin?: string | null; project?: string; ip?: string; raw?: string } = {}) => s.app.inject({
        method: "POST", url: `/s/${o.project ?? p.id}/collect`, remoteAddress: o.ip ?? "192.0.2.1",
        headers: { "content-type": "text/plain;charset=UTF-8", ...(o.origin === null ? {} : { origin: o.origin ?? SITE }) },
        payload: o.raw ?? JSON.stringify(body),
      });
      const campaign = async (document: unknown) => {
        const id = (await call("POST", "/campaigns", { document })).json().id as string;
        const act = await call("POST", `/campaigns/${id}/activate`);
        expect(act.statusCode, act.body).toBe(200);
        return id;
      };
      const token = async (contact: string) => {
        const r = await call("POST", "/site/identity-tokens", { contact });
        expect(r.statusCode, r.body).toBe(201);
        return r.json().token as string;
      };
      const events = async (contact: string) => {
        const r = await call("GET", `/contacts/${contact}/site-events`);
        expect(r.statusCode, r.body).toBe(200);
        return (r.json().events as { type: string; data: Record<string, unknown>; visitor: string }[]).reverse();
      };
      const journeys = async (contact: string) => (await call("GET", `/contacts/${contact}/journeys`)).json().journeys as { campaign: { id: string } }[];
      const stored = async () => {
        const [e] = await s.store.execute("SELECT count(*) AS n FROM site_events", []);
        const [v] = await s.store.execute("SELECT count(*) AS n FROM site_visitors", []);
        return { events: Number(e.n), visitors: Number(v.n) };
      };
      return { ...p, url, call, collect, campaign, token, events, journeys, stored };
    }

    it("serves a small tracker script with no dependency, outside the web app", async () => {
      await setUp();
      const r = await s.app.inject({ method: "GET", url: "/s/shop/tracker.js" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/javascript/);
      expect(gzipSync(r.body).length).toBeLessThan(5 * 1024);
      expect(r.body).not.toMatch(/\bimport\b|\brequire\(/);
      expect(r.body).toContain("sendBeacon");
      expect((await s.app.inject({ method: "GET", url: "/s/shop/nothing-here" })).statusCode).toBe(404);
    });

    it("answers the CORS preflight for the project's sites only", async () => {
      await setUp();
      const ok = await s.app.inject({ method: "OPTIONS", url: "/s/shop/collect", headers: { origin: SITE, "access-control-request-method": "POST" } });
      expect(ok.statusCode).toBe(204);
      expect(ok.headers["access-control-allow-origin"]).toBe(SITE);
      const no = await s.app.inject({ method: "OPTIONS", url: "/s/shop/collect", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
      expect(no.statusCode).toBe(403);
      expect(no.headers["access-control-allow-origin"]).toBeUndefined();
      expect(no.json().code).toBe("origin_not_allowed");
    });

    it("refuses unknown origins, forged, malformed and oversize batches with a clear error, and stores nothing", async () => {
      const p = await setUp();
      const good = { visitor: visitor(1), events: [page("/")] };
      const before = await p.stored();
      const refusals: [string, Awaited<ReturnType<typeof p.collect>>, number, string, string?][] = [
        ["unknown origin", await p.collect(good, { origin: "https://evil.example" }), 403, "origin_not_allowed"],
        ["no origin", await p.collect(good, { origin: null }), 403, "origin_not_allowed"],
        ["unknown project", await p.collect(good, { project: "nope" }), 404, "not_found"],
        ["not JSON", await p.collect(undefined, { raw: "{visitor:" }), 400, "invalid_json"],
        ["unknown field", await p.collect({ ...good, admin: true }), 400, "invalid_input", "admin"],
        ["bad visitor id", await p.collect({ ...good, visitor: "x" }), 400, "invalid_input", "body.visitor"],
        ["unknown event type", await p.collect({ ...good, events: [{ type: "steal", url: SITE }] }), 400, "invalid_input", "body.events.0"],
        ["page of another site", await p.collect({ ...good, events: [page("/"), { type: "page_view", url: "https://evil.example/x" }] }), 400, "invalid_input", "body.events.1.url"],
        ["too many events", await p.collect({ ...good, events: Array.from({ length: 51 }, () => page("/")) }), 400, "invalid_input", "body.events"],
        ["oversize body", await p.collect({ ...good, events: [{ ...page("/"), title: "x".repeat(40_000) }] }), 413, "payload_too_large"],
        ["forged token", await p.collect({ ...good, identify: "eyJmb3JnZWQiOjF9.AAAAAAAAAAAAAAAAAAAAAA" }), 400, "invalid_input", "body.identify"],
      ];
      for (const [what, res, status, code, mention] of refusals) {
        expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
        expect(res.headers["content-type"], what).toMatch(/^application\/problem\+json/);
        expect(res.json().code, what).toBe(code);
        if (mention) expect(res.body, what).toContain(mention);
      }
      expect(await p.stored()).toEqual(before);
      // The same batch from the site is kept.
      const ok = await p.collect(good);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.headers["access-control-allow-origin"]).toBe(SITE);
      expect(ok.json()).toEqual({ accepted: 1, identity: "none" });
      expect(await p.stored()).toEqual({ events: before.events + 1, visitors: before.visitors + 1 });
    });

    it("refuses events while the project's site tracking module is off", async () => {
      const p = await setUp({ ecommerce: true });
      const r = await p.collect({ visitor: visitor(1), events: [page("/")] });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: "module_disabled", detail: expect.stringContaining("modules.siteTracking") });
      expect(await p.stored()).toEqual({ events: 0, visitors: 0 });
    });

    it("rate-limits each visitor and each IP address with a 429 that says when to retry, and stores nothing then", async () => {
      const p = await setUp();
      for (let i = 0; i < 60; i++) expect((await p.collect({ visitor: visitor(1), events: [] }, { ip: "198.51.100.1" })).statusCode).toBe(200);
      const before = await p.stored();
      const limited = await p.collect({ visitor: visitor(1), events: [page("/")] }, { ip: "198.51.100.2" });
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ code: "rate_limited", detail: expect.stringContaining("visitor") });
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      expect(limited.headers["access-control-allow-origin"]).toBe(SITE);
      expect(await p.stored()).toEqual(before);
      // Another visitor is not held back; the first one is let through again a minute later.
      expect((await p.collect({ visitor: visitor(2), events: [] }, { ip: "198.51.100.2" })).statusCode).toBe(200);
      s.clock.set(s.clock.now() + MIN);
      expect((await p.collect({ visitor: visitor(1), events: [] }, { ip: "198.51.100.2" })).statusCode).toBe(200);

      // Many visitors from one address: the address is limited.
      for (let i = 0; i < 300; i++) expect((await p.collect({ visitor: visitor(1000 + i), events: [] }, { ip: "203.0.113.7" })).statusCode).toBe(200);
      const ip = await p.collect({ visitor: visitor(5000), events: [page("/")] }, { ip: "203.0.113.7" });
      expect(ip.statusCode).toBe(429);
      expect(ip.json().detail).toContain("IP address");
      expect((await p.collect({ visitor: visitor(5000), events: [] }, { ip: "203.0.113.8" })).statusCode).toBe(200);
    });

    it("keeps an anonymous visitor's history, attaches it to the contact on identify, and the contact enters the pageVisited campaign", async () => {
      const p = await setUp();
      const promo = await p.campaign(PROMO);
      const v = visitor("ann");
      const anon = await p.collect({ visitor: v, events: [page("/promo/hiver"), { type: "product_view", sku: "SH-01", category: "shoes" }, { type: "cart_update", items: [{ sku: "SH-01", quantity: 2, price: 59.9, name: "Espadrilles" }] }] });
      expect(anon.json()).toEqual({ accepted: 3, identity: "none" });
      expect(await p.events("ann@example.com")).toEqual([]);
      expect(await p.journeys("ann@example.com")).toEqual([]);

      s.clock.set(s.clock.now() + 5 * MIN);
      const id = await p.collect({ visitor: v, identify: await p.token("ann@example.com"), events: [page("/compte")] });
      expect(id.json()).toEqual({ accepted: 1, identity: "identified" });
      const history = await p.events("ann@example.com");
      expect(history.map((e) => e.type)).toEqual(["page_view", "product_view", "cart_update", "page_view"]);
      expect(history[0].data).toMatchObject({ url: `${SITE}/promo/hiver`, title: "/promo/hiver" });
      expect(new Set(history.map((e) => e.visitor))).toEqual(new Set([v]));
      // The anonymous page of the promotion put the contact in the campaign; the cart is the contact's now.
      expect((await p.journeys("ann@example.com")).map((j) => j.campaign.id)).toEqual([promo]);
      const cart = (await p.call("GET", "/contacts/ann@example.com/cart")).json();
      expect(cart).toMatchObject({ items: [{ sku: "SH-01", quantity: 2 }], total: 119.8 });

      // Later events of the same browser are the contact's, without a token.
      const later = await p.collect({ visitor: v, events: [page("/promo/ete")] });
      expect(later.json()).toEqual({ accepted: 1, identity: "none" });
      expect((await p.journeys("ann@example.com")).length).toBe(2);
      expect((await p.events("ann@example.com")).length).toBe(5);
      expect(await p.events("bob@example.com")).toEqual([]);
    });

    it("does not identify with an expired token, another project's token or a removed contact, but keeps the events", async () => {
      const p = await setUp();
      const other = await s.project({ id: "other", modules: { siteTracking: true } });
      await s.call("PUT", "/api/v1/projects/other/sites", other.auth, { sites: [SITE] });
      const short = (await p.call("POST", "/site/identity-tokens", { contact: "ann@example.com", ttlSeconds: 60 })).json().token as string;
      s.clock.set(s.clock.now() + 2 * MIN);
      const expired = await p.collect({ visitor: visitor(1), identify: short, events: [page("/")] });
      expect(expired.json()).toEqual({ accepted: 1, identity: "expired" });
      // A token of project shop does not identify anyone in project other.
      const cross = await p.collect({ visitor: visitor(2), identify: await p.token("ann@example.com"), events: [page("/")] }, { project: "other" });
      expect(cross.statusCode).toBe(400);
      expect(cross.json().errors).toEqual([{ path: "body.identify", message: "not a valid identity token" }]);
      expect(await p.events("ann@example.com")).toEqual([]);
      // The anonymous events of the expired attempt were kept.
      expect(await p.stored()).toMatchObject({ events: 1 });

      // Bob is identified on a browser, then erased: his token names nobody, his browser is anonymous again.
      const bobToken = await p.token("bob@example.com");
      expect((await p.collect({ visitor: visitor("bob"), identify: bobToken, events: [page("/")] })).json().identity).toBe("identified");
      expect((await p.call("DELETE", "/contacts/bob@example.com")).statusCode).toBe(200);
      expect((await p.collect({ visitor: visitor("bob-2"), identify: bobToken, events: [] })).json()).toEqual({ accepted: 0, identity: "unknown_contact" });
      expect((await p.collect({ visitor: visitor("bob"), events: [page("/apres")] })).statusCode).toBe(200);
      const [row] = await s.store.execute("SELECT contact_pk FROM site_visitors WHERE visitor_id = 'visitor-000000000bob'", []);
      expect(row.contact_pk).toBeNull();
      const [last] = await s.store.execute("SELECT contact_pk FROM site_events WHERE data LIKE '%/apres%'", []);
      expect(last.contact_pk).toBeNull();
      expect((await p.call("POST", "/site/identity-tokens", { contact: "nobody@example.com" })).statusCode).toBe(404);
      expect((await p.call("POST", "/site/identity-tokens", { contact: "not an email" })).json().errors[0].path).toBe("body.contact");
    });

    it("a click on an email link to a declared site carries a token that identifies the visitor; links elsewhere carry nothing", async () => {
      const p = await setUp();
      const mail = await p.campaign({
        name: "Bienvenue",
        reentry: "always",
        elements: [
          { id: "t1", type: "trigger.pageVisited", params: { urls: [`${SITE}/bienvenue`] } },
          { id: "a1", type: "action.sendEmail", params: { communicationType: "shop", message: { subject: "Bonjour", html: `<p><a href="${SITE}/promo/noel?ref=mail#top">Promo</a> <a href="https://elsewhere.example/page">Ailleurs</a></p>` } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      });
      const promo = await p.campaign(PROMO);
      await p.collect({ visitor: visitor("bob-desktop"), identify: await p.token("bob@example.com"), events: [page("/bienvenue")] });
      await s.ctx.engine.tick();
      const [message] = await s.store.campaignMessages(mail);
      expect(message.status).toBe("sent");
      const links = [...String(message.payload.html).matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
      const promoLink = links.find((l) => decodeURIComponent(l).includes("/promo/noel"))!;
      const elsewhere = links.find((l) => decodeURIComponent(l).includes("elsewhere.example"))!;

      const click = await s.app.inject({ method: "GET", url: promoLink.replace("http://relais.test", "") });
      expect(click.statusCode).toBe(302);
      const target = new URL(String(click.headers.location));
      expect(target.origin + target.pathname).toBe(`${SITE}/promo/noel`);
      expect(target.searchParams.get("ref")).toBe("mail");
      expect(target.hash).toBe("#top");
      const token = target.searchParams.get("relais_t")!;
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect(token).not.toContain("bob");
      const out = await s.app.inject({ method: "GET", url: elsewhere.replace("http://relais.test", "") });
      expect(out.headers.location).toBe("https://elsewhere.example/page");

      // On the phone, another browser: the token from the link identifies it.
      const phone = await p.collect({ visitor: visitor("bob-phone"), identify: token, events: [page("/promo/noel?ref=mail")] });
      expect(phone.json()).toEqual({ accepted: 1, identity: "identified" });
      expect((await p.journeys("bob@example.com")).map((j) => j.campaign.id)).toContain(promo);
      // An altered token is refused.
      const altered = token.slice(0, -3) + (token.endsWith("AAA") ? "BBB" : "AAA");
      expect((await p.collect({ visitor: visitor("mallory"), identify: altered, events: [] })).statusCode).toBe(400);
    });

    it("a short SMS link to a declared site carries the identity token too; one elsewhere does not", async () => {
      const p = await setUp();
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "phone", type: "phone", category: "general" }],
        communicationTypes: [...c.communicationTypes, { key: "texto", channel: "sms" }],
        sms: { defaultCountry: "CA", quietHours: null },
      }));
      await s.ctx.engine.contactEvent(p.id, { type: "contact.updated", contact: "bob@example.com", fields: { phone: "514-555-0102" } });
      await s.ctx.engine.contactEvent(p.id, { type: "contact.subscribed", contact: "bob@example.com", communicationType: "texto" });
      const sms = await p.campaign({
        name: "Texto", reentry: "always",
        elements: [
          { id: "t1", type: "trigger.pageVisited", params: { urls: [`${SITE}/texto`] } },
          { id: "a1", type: "action.sendSms", params: { communicationType: "texto", message: { text: `Promo: ${SITE}/promo/sms ou https://elsewhere.example/x` } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      });
      await p.collect({ visitor: visitor("bob-sms"), identify: await p.token("bob@example.com"), events: [page("/texto")] });
      await s.ctx.engine.tick();
      const [message] = await s.store.campaignMessages(sms);
      expect(message.status).toBe("sent");
      const [shop, elsewhere] = [...String(message.payload.text).matchAll(/http:\/\/relais\.test(\/l\/\S+)/g)].map((m) => m[1]);
      const click = await s.app.inject({ method: "GET", url: shop });
      expect(click.statusCode).toBe(302);
      const target = new URL(String(click.headers.location));
      expect(target.origin + target.pathname).toBe(`${SITE}/promo/sms`);
      const token = target.searchParams.get("relais_t")!;
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
      expect((await p.collect({ visitor: visitor("bob-phone2"), identify: token, events: [page("/promo/sms")] })).json()).toEqual({ accepted: 1, identity: "identified" });
      expect((await s.app.inject({ method: "GET", url: elsewhere })).headers.location).toBe("https://elsewhere.example/x");
    });

    it("feeds a profiling table the site may write (trigger.profilingTable), anonymous rows once identified; other tables and bad rows are refused", async () => {
      const p = await setUp();
      // Through the settings API: a table the site may write, and one it may not.
      const made = await p.call("POST", "/tables", { key: "inscriptions", columns: [{ key: "evenement", type: "text" }], site: true });
      expect(made.json()).toEqual({ key: "inscriptions", columns: [{ key: "evenement", type: "text" }], site: true });
      // Changing the columns keeps the site setting.
      const changed = await p.call("PUT", "/tables/inscriptions", { columns: [{ key: "evenement", type: "text" }, { key: "places", type: "number" }] });
      expect(changed.json()).toMatchObject({ site: true });
      expect((await p.call("POST", "/tables", { key: "achats", columns: [{ key: "sku", type: "text" }] })).statusCode).toBe(201);
      const welcome = await p.campaign({
        name: "Inscription", reentry: "always",
        elements: [
          { id: "t1", type: "trigger.profilingTable", params: { table: "inscriptions", on: ["insert"] } },
          { id: "a1", type: "action.sendEmail", params: { communicationType: "shop", message: { subject: "Inscription reçue", html: "<p>Merci</p>" } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      });
      const row = (r: Record<string, unknown>, table = "inscriptions") => ({ type: "table_row", table, row: r });
      // Refused, nothing stored: a table the site may not write, an unknown one, an unknown column, a bad value.
      const before = await p.stored();
      for (const [ev, path] of [
        [row({ sku: "A" }, "achats"), "body.events.0.table"],
        [row({ x: 1 }, "nope"), "body.events.0.table"],
        [row({ evenement: "Salon", couleur: "bleu" }), "body.events.0.row.couleur"],
        [row({ evenement: "Salon", places: "beaucoup" }), "body.events.0.row.places"],
      ] as const) {
        const r = await p.collect({ visitor: visitor("form"), events: [ev] });
        expect(r.statusCode, JSON.stringify(ev)).toBe(400);
        expect(r.json().errors.map((e: { path: string }) => e.path)).toContain(path);
      }
      expect(await p.stored()).toEqual(before);
      // Anonymous: kept, no row, no entry; identified: the row is written and the contact enters.
      expect((await p.collect({ visitor: visitor("form"), events: [row({ evenement: "Salon de l'auto", places: 2 })] })).statusCode).toBe(200);
      await s.ctx.engine.tick();
      expect((await p.journeys("ann@example.com")).map((j) => j.campaign.id)).not.toContain(welcome);
      await p.collect({ visitor: visitor("form"), identify: await p.token("ann@example.com"), events: [] });
      await s.ctx.engine.tick();
      expect((await p.journeys("ann@example.com")).map((j) => j.campaign.id)).toContain(welcome);
      const rows = await p.call("GET", "/contacts/ann@example.com/tables/inscriptions");
      expect(rows.json().rows).toEqual([{ evenement: "Salon de l'auto", places: 2 }]);
    });

    it("forgets anonymous visitors after 30 days and identified history after 13 months", async () => {
      const p = await setUp();
      await p.collect({ visitor: visitor("anon"), events: [page("/a")] });
      await p.collect({ visitor: visitor("ann"), identify: await p.token("ann@example.com"), events: [page("/b")] });
      s.clock.set(T0 + 31 * 24 * 60 * MIN);
      await p.collect({ visitor: visitor("late"), events: [page("/c")] });
      const rows = async () => (await s.store.execute("SELECT visitor_id FROM site_events ORDER BY id", [])).map((r) => r.visitor_id);
      expect(await rows()).toEqual([visitor("ann"), visitor("late")]);
      expect((await p.events("ann@example.com")).length).toBe(1);
      // The purge runs at most once an hour: 13 months later (and more than an hour), the identified history goes too.
      s.clock.set(T0 + 400 * 24 * 60 * MIN);
      await p.collect({ visitor: visitor("later"), events: [page("/d")] });
      expect(await rows()).toEqual([visitor("later")]);
      expect(await p.stored()).toEqual({ events: 1, visitors: 1 });
    });

    it("arms the abandoned-cart timer from a tracked cart, fires it after the delay, and a tracked purchase cancels it", async () => {
      const p = await setUp();
      const abandoned = await p.campaign({
        name: "Panier abandonné",
        reentry: "afterExit",
        elements: [
          { id: "t1", type: "trigger.cartAbandoned", params: { after: { amount: 30, unit: "minutes" } } },
          { id: "a1", type: "action.sendEmail", params: { communicationType: "shop", message: { subject: "Votre panier", html: "<p>{% for item in cart.items %}{{ item.name }} × {{ item.quantity }}{% endfor %}</p>" } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      });
      const items = [{ sku: "HT-01", quantity: 1, price: 25, name: "Chapeau" }];
      await p.collect({ visitor: visitor("ann"), identify: await p.token("ann@example.com"), events: [{ type: "cart_update", items }] });
      await p.collect({ visitor: visitor("bob"), identify: await p.token("bob@example.com"), events: [{ type: "cart_update", items }] });
      s.clock.set(T0 + 10 * MIN);
      await p.collect({ visitor: visitor("bob"), events: [{ type: "purchase", orderId: "W-1" }] });
      s.clock.set(T0 + 29 * MIN);
      await s.ctx.engine.tick();
      expect(await s.store.campaignMessages(abandoned)).toEqual([]);
      s.clock.set(T0 + 31 * MIN);
      await s.ctx.engine.tick();
      const sent = await s.store.campaignMessages(abandoned);
      expect(sent.map((m) => [m.contactId, m.status])).toEqual([["ann@example.com", "sent"]]);
      expect(String(sent[0].payload.html)).toContain("Chapeau × 1");
    });
  });
}
