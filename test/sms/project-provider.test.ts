import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { twilioSignature } from "../../src/channels/sms/http-transport.js";
import { buildTransports } from "../../src/channels/transports.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument } from "../../src/model/index.js";
import { BASE_URL, SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

interface Posted { sid: string; auth: string; form: Record<string, string> }

/** A real HTTP server acting as one Twilio-style account (its own SID and token). */
async function account(sid: string, token: string) {
  const posted: Posted[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const ok = req.headers.authorization === `Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}` && req.url === `/2010-04-01/Accounts/${sid}/Messages.json`;
      posted.push({ sid, auth: req.headers.authorization ?? "", form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))) });
      res.writeHead(ok ? 201 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { sid: `SM-${sid}-${posted.length}` } : { message: "Authenticate" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2010-04-01`;
  return { posted, url, sid, token, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const { name } of SERVER_STORES) {
  describe(`a project's own SMS account (${name})`, () => {
    let s: TestServer;
    const closers: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await s?.close();
    });

    it("stores the account encrypted, never shows the token, sends each project's SMS through its own account and verifies its callbacks with its token", async () => {
      s = await testServer(name);
      const own = await account("ACown", "own-token-123");
      const instance = await account("ACinst", "instance-token-456");
      closers.push(own.close, instance.close);
      const [a, b] = [await s.project(), await s.project()];
      const url = (p: { id: string }) => `/api/v1/projects/${p.id}/sms-provider`;

      expect((await s.call("GET", url(a), a.auth)).json()).toEqual({ configured: false, hasAuthToken: false });
      const missing = await s.call("PUT", url(a), a.auth, { baseUrl: own.url, accountSid: own.sid, from: "+15145550000" });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().detail).toContain("authToken");
      const put = await s.call("PUT", url(a), a.auth, { baseUrl: `${own.url}/`, accountSid: own.sid, authToken: own.token, from: "+15145550000" });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toEqual({ configured: true, baseUrl: own.url, accountSid: own.sid, from: "+15145550000", hasAuthToken: true });
      expect(put.body).not.toContain(own.token);
      // Changing the sender keeps the stored token.
      expect((await s.call("PUT", url(a), a.auth, { baseUrl: own.url, accountSid: own.sid, from: "Boutique" })).json()).toMatchObject({ from: "Boutique", hasAuthToken: true });
      // At rest: encrypted, the token nowhere in clear.
      const rows = await s.store.execute("SELECT * FROM secrets", []);
      expect(JSON.stringify(rows)).not.toContain(own.token);
      // Another project's key reads nothing of it; a viewer cannot either.
      const foreign = await s.call("GET", url(a), b.auth);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain(own.sid);
      const viewer = await s.call("POST", `/api/v1/projects/${a.id}/api-keys`, { cookie: s.adminCookie }, { name: "v", role: "viewer" });
      expect((await s.call("GET", url(a), { authorization: `Bearer ${viewer.json().key}` })).statusCode).toBe(403);

      // The instance's account (environment) serves project b; project a's own account serves a.
      const links = new LinkSigner(s.ctx.secret, BASE_URL);
      const router = buildTransports({
        env: { SMS_HTTP_URL: instance.url, SMS_HTTP_ACCOUNT_SID: instance.sid, SMS_HTTP_AUTH_TOKEN: instance.token, SMS_FROM: "+15145559999" },
        store: s.store, secret: s.ctx.secret, links, log: () => undefined,
      });
      closers.push(() => router.close());
      const engine = new Engine({ store: s.store, clock: s.clock, links, transport: router });
      for (const p of [a, b]) {
        await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, fields: [...c.fields, { key: "phone", type: "phone", category: "general" }], communicationTypes: [{ key: "alerts", channel: "sms" }], sms: { defaultCountry: "CA", quietHours: null } }));
        const doc = CampaignDocument.parse({
          id: `promo-${p.id}`, name: "promo",
          elements: [
            { id: "t1", type: "trigger.contactCreated", params: {} },
            { id: "a1", type: "action.sendSms", params: { communicationType: "alerts", message: { text: "Bonjour" } } },
            { id: "e1", type: "end.success", params: {} },
          ],
          connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
        });
        await engine.saveCampaign(p.id, doc, 1);
        await engine.activate(doc.id);
        await engine.contactEvent(p.id, { type: "contact.created", contact: { id: `ann@${p.id}.example`, fields: { email: `ann@${p.id}.example`, phone: "514-555-0101" }, subscriptions: { alerts: true } } });
      }
      await engine.tick();
      expect(own.posted.map((x) => x.form)).toEqual([expect.objectContaining({ To: "+15145550101", From: "Boutique", StatusCallback: `${BASE_URL}/api/v1/webhooks/sms/${a.id}` })]);
      expect(instance.posted.map((x) => x.form)).toEqual([expect.objectContaining({ To: "+15145550101", From: "+15145559999", StatusCallback: `${BASE_URL}/api/v1/webhooks/sms/${b.id}` })]);

      // Project a's callbacks are signed with its own token: the instance's token is refused.
      const params = { MessageSid: "SM-ACown-1", MessageStatus: "delivered" };
      const hook = (sig: string) => s.app.inject({
        method: "POST", url: `/api/v1/webhooks/sms/${a.id}`,
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig }, payload: new URLSearchParams(params).toString(),
      });
      const full = `${BASE_URL}/api/v1/webhooks/sms/${a.id}`;
      expect((await hook(twilioSignature(instance.token, full, params))).statusCode).toBe(401);
      expect((await hook(twilioSignature(own.token, full, params))).statusCode).toBe(204);
      const [m] = await s.store.campaignMessages(`promo-${a.id}`);
      expect(m.deliveredAt).toBe(s.clock.now());

      // Removed: back to the instance's account.
      expect((await s.call("DELETE", url(a), a.auth)).json()).toEqual({ configured: false, hasAuthToken: false });
      expect((await s.call("GET", url(a), a.auth)).json()).toEqual({ configured: false, hasAuthToken: false });
    });
  });
}
