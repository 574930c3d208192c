import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument, type CampaignDocumentInput } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/** A welcome email with a shop link and the unsubscribe link; two days later, did they open it? */
const WELCOME: CampaignDocumentInput = {
  id: "welcome",
  name: "Bienvenue",
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    {
      id: "a1", type: "action.sendEmail",
      params: { communicationType: "infolettre", message: { subject: "Bienvenue", html: '<p>Bonjour {{ contact.firstName }}</p><a href="https://shop.example/promo?x=1&y=2">Boutique</a> <a href="{{ unsubscribe_url }}">Se désabonner</a> <a href="{{ view_online_url }}">Voir en ligne</a>' } },
    },
    { id: "d1", type: "delay.period", params: { amount: 2, unit: "days" } },
    { id: "k1", type: "condition.messageOpened", params: { message: "a1" } },
    { id: "e1", type: "end.success", params: {} },
    { id: "e2", type: "end.neutral", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "a1" },
    { from: "a1", exit: "next", to: "d1" },
    { from: "d1", exit: "next", to: "k1" },
    { from: "k1", exit: "true", to: "e1" },
    { from: "k1", exit: "false", to: "e2" },
  ],
};

interface Sent {
  html: string;
  click: string;
  pixel: string;
  unsubscribe: string;
  view: string;
}

for (const { name } of SERVER_STORES) {
  describe(`tracking links (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    /** Ann and Bob get the welcome email at T0; returns the links of each one's email. */
    async function setUp(administrative = false): Promise<{ p: { id: string; auth: { authorization: string } }; sent: Map<string, Sent> }> {
      s = await testServer(name);
      const p = await s.project({ id: "boutique" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "infolettre", channel: "email", ...(administrative ? { administrative: true } : {}) }],
      }));
      const campaign = CampaignDocument.parse(WELCOME);
      await s.ctx.engine.saveCampaign(p.id, campaign);
      await s.ctx.engine.activate(campaign.id);
      for (const [email, firstName] of [["ann@example.com", "Ann"], ["bob@example.com", "Bob"]]) {
        const res = await s.call("POST", `/api/v1/projects/${p.id}/contacts`, p.auth, { fields: { email, firstName }, ...(administrative ? {} : { subscriptions: { infolettre: true } }) });
        expect(res.statusCode).toBe(201);
      }
      await s.ctx.engine.tick();
      const outbox = (await s.call("GET", `/api/v1/projects/${p.id}/outbox`, p.auth)).json().messages as { contact: string; payload: { html: string } }[];
      const sent = new Map<string, Sent>();
      for (const m of outbox) {
        const hrefs = [...m.payload.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1].replace(/&amp;/g, "&"));
        const pixel = /<img src="([^"]+)"/.exec(m.payload.html)![1];
        sent.set(m.contact, { html: m.payload.html, click: hrefs.find((h) => h.includes("/t/c/"))!, pixel, unsubscribe: hrefs.find((h) => h.includes("/u/"))!, view: hrefs.find((h) => h.includes("/v/"))! });
      }
      expect(sent.size).toBe(2);
      // An hour later: the contacts read their mail (opens right at sending are prefetches).
      s.clock.set(T0 + 3_600_000);
      return { p, sent };
    }

    const path = (url: string) => new URL(url).pathname + new URL(url).search;
    const message = async (p: { id: string; auth: { authorization: string } }, contact: string) =>
      (await s.call("GET", `/api/v1/projects/${p.id}/outbox?contact=${contact}`, p.auth)).json().messages[0];
    const get = (url: string, headers: Record<string, string> = { "user-agent": BROWSER }) => s.app.inject({ method: "GET", url, headers });

    it("records an open once per message through the pixel, and it decides condition.messageOpened", async () => {
      const { p, sent } = await setUp();
      const ann = sent.get("ann@example.com")!;
      const first = await get(path(ann.pixel));
      expect(first.statusCode).toBe(200);
      expect(first.headers["content-type"]).toBe("image/gif");
      expect(first.headers["cache-control"]).toContain("no-store");
      const openedAt = (await message(p, "ann@example.com")).openedAt;
      expect(openedAt).toBe(T0 + 3_600_000);
      s.clock.set(T0 + 7_200_000);
      await get(path(ann.pixel));
      expect((await message(p, "ann@example.com")).openedAt).toBe(openedAt);
      expect((await message(p, "bob@example.com")).openedAt).toBeNull();

      s.clock.set(T0 + 2 * 86_400_000);
      await s.ctx.engine.tick();
      const report = (await s.call("GET", `/api/v1/projects/${p.id}/campaigns/welcome/report`, p.auth)).json();
      expect(report.elements.k1.exits).toEqual({ true: 1, false: 1 });
      expect(report.sends.a1.opened).toBe(1);
    });

    it("answers a forged or unsigned pixel with the same GIF and records nothing", async () => {
      const { p, sent } = await setUp();
      const pixel = path(sent.get("ann@example.com")!.pixel);
      for (const url of [pixel.replace(/\.([A-Za-z0-9_-]{22})\.gif$/, ".AAAAAAAAAAAAAAAAAAAAAA.gif"), "/t/o/1:a1:1.gif", "/t/o/garbage"]) {
        const res = await get(url);
        expect(res.statusCode).toBe(200);
        expect(res.headers["content-type"]).toBe("image/gif");
      }
      expect((await message(p, "ann@example.com")).openedAt).toBeNull();
    });

    it("keeps machine opens apart: mail proxies, scanners and prefetches right after sending", async () => {
      const { p, sent } = await setUp();
      await get(path(sent.get("ann@example.com")!.pixel), { "user-agent": "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)" });
      expect((await message(p, "ann@example.com")).openedAt).toBeNull();
      s.clock.set(T0 + 1_000); // one second after sending
      await get(path(sent.get("bob@example.com")!.pixel));
      expect((await message(p, "bob@example.com")).openedAt).toBeNull();
      const rows = await s.store.execute("SELECT count(*) AS n FROM messages WHERE bot_opened_at IS NOT NULL", []);
      expect(Number(rows[0].n)).toBe(2);
    });

    it("redirects a signed click to its URL and records it (a click is an open too); a tampered link redirects nowhere", async () => {
      const { p, sent } = await setUp();
      const click = sent.get("ann@example.com")!.click;
      expect(new URL(click).searchParams.get("u")).toBe("https://shop.example/promo?x=1&y=2");
      const res = await get(path(click));
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe("https://shop.example/promo?x=1&y=2");
      const m = await message(p, "ann@example.com");
      expect(m.clickedAt).toBe(T0 + 3_600_000);
      expect(m.openedAt).toBe(T0 + 3_600_000);

      const tampered = new URL(click);
      tampered.searchParams.set("u", "https://evil.example.net/login");
      for (const url of [tampered.pathname + tampered.search, "/t/c/MTphMTox.AAAAAAAAAAAAAAAAAAAAAA?u=https%3A%2F%2Fevil.example.net", `/t/c/${click.split("/t/c/")[1].split("?")[0]}?u=javascript%3Aalert(1)`]) {
        const bad = await get(url);
        expect(bad.statusCode).toBe(400);
        expect(bad.headers.location).toBeUndefined();
        expect(bad.headers["content-type"]).toContain("text/html");
        expect(bad.body).toContain("Lien invalide");
      }
      const english = await get(tampered.pathname + tampered.search, { "accept-language": "en-CA,en;q=0.9,fr;q=0.5" });
      expect(english.body).toContain("Invalid link");
      expect((await message(p, "bob@example.com")).clickedAt).toBeNull();
    });

    it("shows the message as sent through its view-online link, and nothing for a forged one", async () => {
      const { sent } = await setUp();
      const url = sent.get("ann@example.com")!.view;
      const res = await get(path(url));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("Bonjour Ann");
      expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
      expect((await get("/v/MTphMTox.AAAAAAAAAAAAAAAAAAAAAA")).statusCode).toBe(404);
    });

    it("unsubscribes through the page (French, or English) and through RFC 8058 one-click, once, with the consent history", async () => {
      const { p, sent } = await setUp();
      const link = path(sent.get("ann@example.com")!.unsubscribe);
      const page = await get(link);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("Voulez-vous vous désabonner des envois « infolettre » ?");
      expect((await get(link, { "accept-language": "en" })).body).toContain("Do you want to unsubscribe");
      expect((await get(`${link}?lang=en`)).body).toContain("Do you want to unsubscribe");
      // Showing the page (a link scanner does) changes nothing.
      const contactUrl = `/api/v1/projects/${p.id}/contacts/ann@example.com`;
      expect((await s.call("GET", contactUrl, p.auth)).json().subscriptions.infolettre.subscribed).toBe(true);

      const oneClick = await s.app.inject({ method: "POST", url: link, headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "List-Unsubscribe=One-Click" });
      expect(oneClick.statusCode).toBe(200);
      expect(oneClick.body).toContain("vous ne recevrez plus les envois « infolettre »");
      const again = await s.app.inject({ method: "POST", url: link, headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "" });
      expect(again.statusCode).toBe(200);

      const contact = (await s.call("GET", contactUrl, p.auth)).json();
      expect(contact.subscriptions.infolettre).toMatchObject({ subscribed: false, source: "unsubscribe-link", at: T0 + 3_600_000 });
      const history = (await s.call("GET", `${contactUrl}/subscriptions/history`, p.auth)).json().history;
      expect(history.filter((h: { source: string }) => h.source === "unsubscribe-link")).toHaveLength(1);
      expect((await message(p, "ann@example.com")).unsubscribedAt).toBe(T0 + 3_600_000);
      expect((await s.call("GET", `/api/v1/projects/${p.id}/contacts/bob@example.com`, p.auth)).json().subscriptions.infolettre.subscribed).toBe(true);

      const forged = await s.app.inject({ method: "POST", url: link.replace(/.$/, (c) => (c === "A" ? "B" : "A")), headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "List-Unsubscribe=One-Click" });
      expect(forged.statusCode).toBe(404);
    });

    it("explains that an administrative message has no subscription to leave, and changes nothing", async () => {
      const { p, sent } = await setUp(true);
      const link = path(sent.get("ann@example.com")!.unsubscribe);
      const res = await s.app.inject({ method: "POST", url: link, headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "List-Unsubscribe=One-Click" });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("envoi administratif");
      expect((await message(p, "ann@example.com")).unsubscribedAt).toBeNull();
    });
  });
}
