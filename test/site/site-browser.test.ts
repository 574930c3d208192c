import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ensureBuilt, ROOT, startServe, type ServeProcess } from "../e2e/serve-process.js";

const PASSWORD = "e2e site tracking password";

/** Polls `read` until `ok` holds (or fails with the last value after `ms`). */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

describe("site tracking with a real relais serve and a real browser", () => {
  let server: ServeProcess;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let auth: { authorization: string };
  let promo: string;
  let abandoned: string;
  const call = (method: string, path: string, body?: unknown) => api(server.url, method, `/api/v1/projects/shop${path}`, auth, body);

  beforeAll(async () => {
    ensureBuilt();
    // The tracker ships in dist (a TypeScript module): build when this checkout's dist predates it.
    if (!existsSync(join(ROOT, "dist", "src", "server", "routes", "site.js"))) spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
    server = await startServe({ RELAIS_ADMIN_PASSWORD: PASSWORD });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: PASSWORD });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const created = await api(server.url, "POST", "/api/v1/projects", { cookie }, {
      id: "shop", name: "Boutique", modules: { siteTracking: true, ecommerce: true }, defaultSender: { name: "Boutique", email: "bonjour@shop.example" },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const key = await api(server.url, "POST", "/api/v1/projects/shop/api-keys", { cookie }, { name: "site", role: "admin" });
    auth = { authorization: `Bearer ${key.json.key}` };

    // The shop's own site, on another origin: its backend asks Relais for the signed-in customer's token.
    site = createServer((req, res) => void render(req.url ?? "/").then((html) => {
      res.writeHead(html ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
      res.end(html ?? "not found");
    }));
    await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

    expect((await call("PUT", "/sites", { sites: [siteUrl] })).status).toBe(200);
    expect((await call("POST", "/fields", { key: "panier", type: "text" })).status).toBe(201);
    expect((await call("POST", "/communication-types", { key: "news", channel: "email" })).status).toBe(201);
    expect((await call("POST", "/contacts", { fields: { email: "ann@example.com" }, subscriptions: { news: true } })).status).toBe(201);
    const campaign = async (document: unknown) => {
      const c = await call("POST", "/campaigns", { document });
      const act = await call("POST", `/campaigns/${c.json.id}/activate`);
      expect(act.status, JSON.stringify(act.json)).toBe(200);
      return c.json.id as string;
    };
    promo = await campaign({
      name: "Pages promo", reentry: "afterExit",
      elements: [
        { id: "t1", type: "trigger.pageVisited", params: { urls: [`${siteUrl}/promo/*`] } },
        { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Nos promotions", html: `<p><a href="${siteUrl}/bienvenue">Venez voir</a></p>` } } },
        { id: "e1", type: "end.success", params: {} },
      ],
      connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
    });
    abandoned = await campaign({
      name: "Panier abandonné", reentry: "afterExit",
      elements: [
        { id: "t1", type: "trigger.cartAbandoned", params: { after: { amount: 1, unit: "minutes" } } },
        { id: "a1", type: "action.updateContacts", params: { set: { panier: "abandonné" } } },
        { id: "e1", type: "end.success", params: {} },
      ],
      connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
    });
    browser = await chromium.launch({ executablePath: process.env.RELAIS_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (site ? site.close(r) : r(undefined)));
    await server?.stop();
  });

  async function render(url: string): Promise<string | undefined> {
    const path = url.split("?")[0];
    const layout = (title: string, body: string, script = "") => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title>
<script>window.relais = window.relais || function () { (window.relais.q = window.relais.q || []).push(arguments); };</script>
<script async src="${server.url}/s/shop/tracker.js"></script>${script ? `<script>${script}</script>` : ""}</head>
<body><h1>${title}</h1>${body}</body></html>`;
    switch (path) {
      case "/": return layout("Accueil", `<a href="/promo/hiver">Promo</a>`);
      case "/promo/hiver": return layout("Promo d'hiver", "<p>-20 %</p>");
      case "/produits/SH-01": return layout("Espadrilles", "<p>59,90 $</p>", `relais("product_view", { sku: "SH-01", category: "shoes" });`);
      case "/panier": return layout("Panier", `<button id="add" onclick='relais("cart_update", { items: [{ sku: "SH-01", quantity: 2, price: 59.9, name: "Espadrilles" }] })'>Ajouter</button>`);
      case "/compte": {
        const t = await call("POST", "/site/identity-tokens", { contact: "ann@example.com" });
        return layout("Mon compte", "<p>Bonjour Ann</p>", `relais("identify", ${JSON.stringify(t.json.token)});`);
      }
      case "/bienvenue": return layout("Bienvenue", "<p>Bonjour</p>");
      default: return undefined;
    }
  }

  it("follows an anonymous visit, identifies the customer, enters the pageVisited campaign, then a click from the email identifies another browser, and the cart is found abandoned", async () => {
    const desktop = await browser.newContext();
    const page = await desktop.newPage();
    const batches: { visitor: string; events: { type: string }[]; identify?: string }[] = [];
    desktop.on("request", (r) => {
      if (r.method() === "POST" && r.url() === `${server.url}/s/shop/collect`) batches.push(JSON.parse(r.postData() ?? "{}"));
    });
    // Left before the tracker's one-second batching delay: these pages' events go by sendBeacon on page hide.
    for (const path of ["/", "/promo/hiver"]) await page.goto(`${siteUrl}${path}`);
    // Stayed on: the page's events go together in one fetch after a second.
    const productBatch = page.waitForRequest((r) => r.method() === "POST" && r.url() === `${server.url}/s/shop/collect`);
    await page.goto(`${siteUrl}/produits/SH-01`);
    expect(JSON.parse((await productBatch).postData() ?? "{}").events).toEqual([
      { type: "page_view", url: `${siteUrl}/produits/SH-01`, title: "Espadrilles" },
      { type: "product_view", sku: "SH-01", category: "shoes" },
    ]);
    await page.goto(`${siteUrl}/panier`);
    await page.click("#add");
    await page.goto(`${siteUrl}/compte`);

    type Ev = { type: string; data: Record<string, unknown>; visitor: string };
    const events = () => call("GET", "/contacts/ann@example.com/site-events").then((r) => (r.json.events ?? []) as Ev[]);
    const seen = await until(events, (e) => e.length >= 7);
    const summary = seen.map((e) => `${e.type} ${String(e.data.url ?? e.data.sku ?? "")}`.trim());
    expect(summary).toEqual(expect.arrayContaining([
      `page_view ${siteUrl}/`, `page_view ${siteUrl}/promo/hiver`, `page_view ${siteUrl}/produits/SH-01`, "product_view SH-01",
      `page_view ${siteUrl}/panier`, "cart_update", `page_view ${siteUrl}/compte`,
    ]));
    // One browser, one visitor id, kept in a first-party cookie of the site.
    const cookies = await desktop.cookies(siteUrl);
    const vid = cookies.find((c) => c.name === "relais_vid")?.value;
    expect(vid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(new Set(seen.map((e) => e.visitor))).toEqual(new Set([vid]));
    // The first two pages' events arrived though no fetch carried them: sendBeacon did.
    expect(batches.flatMap((b) => b.events).some((e) => (e as { url?: string }).url === `${siteUrl}/promo/hiver`)).toBe(false);
    expect(batches.filter((b) => b.identify).length).toBe(1);

    // The anonymous visit of a promotion page put Ann in the campaign once she was identified.
    const journeys = await until(() => call("GET", "/contacts/ann@example.com/journeys").then((r) => r.json.journeys as { campaign: { id: string } }[]), (j) => j.some((x) => x.campaign.id === promo));
    expect(journeys.map((j) => j.campaign.id)).toContain(promo);
    expect((await call("GET", "/contacts/ann@example.com/cart")).json).toMatchObject({ items: [{ sku: "SH-01", quantity: 2 }] });

    // Ann opens the campaign's email on her phone: the click lands on the site, identified.
    const outbox = await until(() => call("GET", "/outbox?contact=ann@example.com").then((r) => r.json.messages as { campaignId?: string; payload: { html?: string } }[]), (m) => m.length > 0);
    const link = /href="([^"]*\/t\/c\/[^"]+)"/.exec(String(outbox[0].payload.html))![1].replace(/&amp;/g, "&");
    // The server's public URL says port 0 (PORT=0 picks a free one): the link's path is what matters.
    const click = link.replace(/^https?:\/\/[^/]+/, server.url);
    const phone = await browser.newContext();
    const mobile = await phone.newPage();
    await mobile.goto(click);
    await mobile.waitForURL(`${siteUrl}/bienvenue`);
    expect(mobile.url()).not.toContain("relais_t");
    const later = await until(events, (e) => e.some((x) => x.data.url === `${siteUrl}/bienvenue`));
    const welcome = later.find((x) => x.data.url === `${siteUrl}/bienvenue`)!;
    expect(welcome.visitor).not.toBe(vid);

    // No purchase and no change for a minute: the cart is abandoned.
    const entered = await until(() => call("GET", "/contacts/ann@example.com/journeys").then((r) => r.json.journeys as { campaign: { id: string }; outcome: string }[]),
      (j) => j.some((x) => x.campaign.id === abandoned), 120_000);
    expect(entered.find((x) => x.campaign.id === abandoned)).toBeDefined();
    const ann = await until(() => call("GET", "/contacts/ann@example.com").then((r) => r.json), (c) => c.fields?.panier === "abandonné");
    expect(ann.fields.panier).toBe("abandonné");
    await desktop.close();
    await phone.close();
  }, 240_000);
});
