import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { ChannelRouter } from "../../src/channels/router.js";
import { HttpSmsTransport, httpSmsSettingsFromEnv } from "../../src/channels/sms/http-transport.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument } from "../../src/model/index.js";
import { BASE_URL, SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const TOKEN = "tok_0123456789abcdef";
const SID = "AC123";
const NINE_AM = Date.parse("2026-12-01T14:00:00Z");

interface Posted { path: string; auth: string | undefined; form: Record<string, string> }

/** A real HTTP server acting as the Twilio-style provider; `status` decides the answer per number. */
async function provider(status: (to: string) => number = () => 201) {
  const posted: Posted[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
      posted.push({ path: req.url ?? "", auth: req.headers.authorization, form });
      const code = req.headers.authorization === `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}` ? status(form.To) : 401;
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(code < 300 ? { sid: `SM${++n}`, status: "queued" } : { code: 21211, message: "The 'To' number is not a valid phone number." }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return { posted, url: `http://127.0.0.1:${port}/2010-04-01`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Twilio's documented algorithm, written out independently of Relais's code. */
function sign(url: string, params: Record<string, string>, token = TOKEN): string {
  let data = url;
  for (const k of Object.keys(params).sort()) data += k + params[k];
  return createHmac("sha1", token).update(data).digest("base64");
}

for (const { name } of SERVER_STORES) {
  describe(`SMS through an HTTP provider (${name})`, () => {
    let s: TestServer;
    const closers: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await s?.close();
      delete process.env.SMS_HTTP_AUTH_TOKEN;
    });

    async function setUp(prov: { url: string; posted: Posted[] }, sms?: { defaultCountry: string; quietHours: null | { start: string; end: string } }) {
      const quiet = sms?.quietHours !== null;
      s = await testServer(name);
      process.env.SMS_HTTP_AUTH_TOKEN = TOKEN;
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "phone", type: "phone", category: "general" }],
        communicationTypes: [{ key: "alerts", channel: "sms" }],
      }));
      if (sms) {
        const put = await s.call("PUT", `/api/v1/projects/${p.id}/sms-settings`, p.auth, sms);
        expect(put.statusCode, put.body).toBe(200);
      }
      const settings = httpSmsSettingsFromEnv({ SMS_HTTP_URL: prov.url, SMS_HTTP_ACCOUNT_SID: SID, SMS_HTTP_AUTH_TOKEN: TOKEN, SMS_FROM: "+15145550000" }, BASE_URL)!;
      const engine = new Engine({
        store: s.store, clock: s.clock, links: new LinkSigner(s.ctx.secret, BASE_URL),
        transport: new ChannelRouter().register("sms", new HttpSmsTransport(settings, s.ctx.db, () => s.clock.now())),
      });
      await engine.saveCampaign(p.id, CampaignDocument.parse({
        id: "promo", name: "promo",
        elements: [
          { id: "t1", type: "trigger.contactCreated", params: {} },
          { id: "a1", type: "action.sendSms", params: { communicationType: "alerts", message: { text: "Soldes ce soir: https://shop.example/soldes?m=sms." } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      }), 1);
      await engine.activate("promo");
      const create = async (people: [string, string][]) => {
        for (const [email, phone] of people) await engine.contactEvent(p.id, { type: "contact.created", contact: { id: email, fields: { email, phone }, subscriptions: { alerts: true } } });
        await engine.tick();
        // 13:00Z is 08:00 in Montréal, inside the default quiet hours (21:00–09:00): held until 09:00.
        if (s.clock.now() < NINE_AM && quiet) {
          expect(prov.posted).toEqual([]);
          s.clock.set(NINE_AM);
          await engine.tick();
        }
      };
      const byContact = async () => new Map((await s.store.campaignMessages("promo")).map((m) => [m.contactId, m]));
      const webhook = (params: Record<string, string>, signature = sign(`${BASE_URL}/api/v1/webhooks/sms/${p.id}`, params)) =>
        s.app.inject({ method: "POST", url: `/api/v1/webhooks/sms/${p.id}`, headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, payload: new URLSearchParams(params).toString() });
      return { p, create, byContact, webhook, engine };
    }

    it("posts the form with basic auth and a status callback, then applies signed delivered/undelivered callbacks", async () => {
      const prov = await provider((to) => (to === "+15145550199" ? 400 : 201));
      closers.push(prov.close);
      const { p, create, byContact, webhook } = await setUp(prov);
      await create([["ann@example.com", "514-555-0101"], ["bob@example.com", "+1 514 555 0102"], ["zed@example.com", "+15145550199"]]);

      expect(prov.posted).toHaveLength(3);
      const ann = prov.posted.find((x) => x.form.To === "+15145550101")!;
      expect(ann.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
      expect(ann.form).toMatchObject({ To: "+15145550101", From: "+15145550000", StatusCallback: `${BASE_URL}/api/v1/webhooks/sms/${p.id}` });
      // The link is a short signed link (the target stays in the message); the sentence's period stays outside.
      const link = /^Soldes ce soir: (http:\/\/relais\.test\/l\/[0-9a-z.]+\.[A-Za-z0-9_-]{12})\.$/.exec(ann.form.Body)?.[1];
      expect(link, ann.form.Body).toBeDefined();
      // A forged code (another link index of the same message) finds nothing and redirects nowhere.
      const forged = await s.app.inject({ method: "GET", url: link!.slice(BASE_URL.length).replace(/\.0\.([A-Za-z0-9_-]{12})$/, ".1.$1") });
      expect(forged.statusCode).toBe(404);
      expect(forged.headers.location).toBeUndefined();
      s.clock.set(NINE_AM + 5 * 60_000); // a person reading it, not a link scanner right at delivery
      const phoneUa = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
      const click = await s.app.inject({ method: "GET", url: link!.slice(BASE_URL.length), headers: { "user-agent": phoneUa } });
      expect(click.statusCode).toBe(302);
      expect(click.headers.location).toBe("https://shop.example/soldes?m=sms");
      let m = await byContact();
      expect(m.get("ann@example.com")!.status).toBe("sent");
      expect(m.get("zed@example.com")!.status).toBe("failed");
      expect(m.get("zed@example.com")!.reason).toContain("not a valid phone number");

      const annSid = prov.posted.indexOf(ann) + 1;
      const bobSid = prov.posted.findIndex((x) => x.form.To === "+15145550102") + 1;
      expect((await webhook({ MessageSid: `SM${annSid}`, MessageStatus: "delivered", AccountSid: SID })).statusCode).toBe(204);
      expect((await webhook({ MessageSid: `SM${bobSid}`, MessageStatus: "undelivered", ErrorCode: "30005", AccountSid: SID })).statusCode).toBe(204);
      m = await byContact();
      expect(m.get("ann@example.com")!.deliveredAt).toBe(s.clock.now());
      expect(m.get("ann@example.com")!.clickedAt).toBe(s.clock.now());
      expect(m.get("bob@example.com")!.bouncedAt).toBe(s.clock.now());
      expect(m.get("bob@example.com")!.bounceHard).toBe(true);
    });

    it("reads national numbers in the project's country and sends at once without quiet hours", async () => {
      const prov = await provider();
      closers.push(prov.close);
      const { create } = await setUp(prov, { defaultCountry: "FR", quietHours: null });
      await create([["lea@example.com", "06 12 34 56 78"]]);
      expect(prov.posted.map((x) => x.form.To)).toEqual(["+33612345678"]);
      expect(s.clock.now()).toBeLessThan(NINE_AM);
    });

    it("holds a retry that falls inside quiet hours until they end, without counting it as an attempt", async () => {
      let calls = 0;
      const prov = await provider(() => (++calls === 1 ? 503 : 201));
      // 13:00Z is 08:00 in Montréal: outside quiet hours 08:01–09:00, so the SMS is tried at once.
      const { p, byContact, engine } = await setUp(prov, { defaultCountry: "CA", quietHours: { start: "08:01", end: "09:00" } });
      await engine.contactEvent(p.id, { type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com", phone: "514-555-0101" }, subscriptions: { alerts: true } } });
      await engine.tick();
      expect(prov.posted).toHaveLength(1);
      expect((await byContact()).get("ann@example.com")).toMatchObject({ status: "queued" });
      // The retry is due at 08:01, inside quiet hours: held, not sent, not an attempt.
      s.clock.set(s.clock.now() + 61_000);
      await engine.tick();
      expect(prov.posted).toHaveLength(1);
      expect(await engine.nextWakeAt()).toBe(NINE_AM);
      s.clock.set(NINE_AM);
      await engine.tick();
      expect(prov.posted).toHaveLength(2);
      const ann = (await byContact()).get("ann@example.com")!;
      expect(ann).toMatchObject({ status: "sent", sentAt: NINE_AM });
      const [row] = await s.store.execute(name === "postgres" ? "SELECT attempts FROM messages WHERE id = $1" : "SELECT attempts FROM messages WHERE id = ?", [ann.id]);
      expect(Number(row.attempts)).toBe(1);
    });

    it("refuses a callback with a wrong or missing signature (401, nothing applied)", async () => {
      const prov = await provider();
      closers.push(prov.close);
      const { create, byContact, webhook } = await setUp(prov);
      await create([["ann@example.com", "514-555-0101"]]);
      const params = { MessageSid: "SM1", MessageStatus: "delivered" };
      const forged = await webhook(params, sign(`${BASE_URL}/api/v1/webhooks/sms/shop`, params, "not-the-token"));
      expect(forged.statusCode).toBe(401);
      expect(forged.json()).toMatchObject({ code: "bad-signature" });
      expect((await webhook(params, "")).statusCode).toBe(401);
      expect((await byContact()).get("ann@example.com")!.deliveredAt).toBeNull();
    });

    it("unsubscribes on an inbound DESABONNER and answers with a TwiML confirmation", async () => {
      const prov = await provider();
      closers.push(prov.close);
      const { p, create, webhook } = await setUp(prov);
      await create([["ann@example.com", "514-555-0101"]]);
      const r = await webhook({ From: "+15145550101", To: "+15145550000", Body: "Désabonner", SmsStatus: "received" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toContain("text/xml");
      expect(r.body).toContain("<Message>Vous ne recevrez plus de SMS de notre part.</Message>");
      const ann = await s.store.findContact(p.id, "ann@example.com");
      expect(ann!.subscriptions).toEqual({ alerts: false });
      const other = await webhook({ From: "+15145550101", To: "+15145550000", Body: "Bonjour", SmsStatus: "received" });
      expect(other.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    });
  });
}
