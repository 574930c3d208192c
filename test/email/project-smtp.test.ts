import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { buildTransports } from "../../src/channels/transports.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument } from "../../src/model/index.js";
import { BASE_URL, SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const PASSWORD = "s3cret-pass-for-smtp";

const campaign = (id: string) => CampaignDocument.parse({
  id, name: id,
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Bonjour", html: "<p>Bonjour</p>", from: "boutique@shop.example" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

for (const { name } of SERVER_STORES) {
  describe(`a project's own SMTP server (${name})`, () => {
    let s: TestServer;
    let smtp: SMTPServer | undefined;
    let engine: Engine | undefined;
    const received: { user?: string; rcpt: string }[] = [];
    afterEach(async () => {
      (engine as unknown as { transport?: { close(): void } })?.transport?.close();
      await s?.close();
      if (smtp) await new Promise<void>((r) => smtp!.close(() => r()));
      smtp = undefined;
      received.length = 0;
    });

    async function smtpWithAuth(): Promise<number> {
      smtp = new SMTPServer({
        disabledCommands: ["STARTTLS"], allowInsecureAuth: true, logger: false,
        onAuth(auth, _session, cb) {
          if (auth.username === "relais" && auth.password === PASSWORD) return cb(null, { user: auth.username });
          return cb(new Error("535 5.7.8 authentication failed"));
        },
        onData(stream, session, cb) {
          stream.resume();
          stream.on("end", () => {
            received.push({ user: session.user as string | undefined, rcpt: (session.envelope.rcptTo[0] as SMTPServerAddress).address });
            cb();
          });
        },
      });
      await new Promise<void>((r) => smtp!.listen(0, "127.0.0.1", () => r()));
      return (smtp.server.address() as AddressInfo).port;
    }

    it("keeps the settings encrypted and write-only, tests the connection, and sends that project's emails through it", async () => {
      const port = await smtpWithAuth();
      s = await testServer(name);
      const alpha = await s.project({ id: "alpha" });
      const beta = await s.project({ id: "beta" });
      const url = "/api/v1/projects/alpha/email-settings";
      expect((await s.call("GET", url, alpha.auth)).json()).toEqual({ configured: false, hasPassword: false });

      const put = await s.call("PUT", url, alpha.auth, { host: "127.0.0.1", port, security: "none", username: "relais", password: PASSWORD, ratePerSecond: 50 });
      expect(put.statusCode).toBe(200);
      expect(put.body).not.toContain(PASSWORD);
      expect(put.json()).toMatchObject({ configured: true, host: "127.0.0.1", port, username: "relais", hasPassword: true });
      const rows = await s.store.execute("SELECT ciphertext FROM secrets", []);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(String(r.ciphertext)).not.toContain(PASSWORD);
      // A PUT without the password keeps it.
      expect((await s.call("PUT", url, alpha.auth, { host: "127.0.0.1", port, security: "none", username: "relais" })).json().hasPassword).toBe(true);
      expect((await s.call("POST", `${url}/test`, alpha.auth)).json()).toEqual({ ok: true });
      // An editor may not read them; another project's key does not even see the project.
      const editor = (await s.call("POST", "/api/v1/projects/alpha/api-keys", alpha.auth, { name: "ed", role: "editor" })).json().key;
      expect((await s.call("GET", url, { authorization: `Bearer ${editor}` })).statusCode).toBe(403);
      expect((await s.call("GET", url, beta.auth)).statusCode).toBe(404);

      // The engine of `relais serve`, with the transports it builds: alpha over its server, beta captured.
      for (const [p, c] of [["alpha", "ca"], ["beta", "cb"]] as const) {
        await s.ctx.projects.updateConfig(p, (cfg) => ({ ...cfg, communicationTypes: [{ key: "news", channel: "email" }] }));
        await s.ctx.engine.saveCampaign(p, campaign(c));
        await s.ctx.engine.activate(c);
      }
      const links = new LinkSigner(Buffer.alloc(32, 7), BASE_URL);
      engine = new Engine({ store: s.store, clock: s.clock, links, transport: buildTransports({ env: {}, store: s.store, secret: Buffer.alloc(32, 7), links, log: () => undefined }) });
      for (const p of ["alpha", "beta"]) {
        await engine.contactEvent(p, { type: "contact.created", contact: { id: `ann@${p}.example`, fields: { email: `ann@${p}.example` }, subscriptions: { news: true } } });
      }
      await engine.tick();
      expect(received).toEqual([{ user: "relais", rcpt: "ann@alpha.example" }]);
      expect((await s.store.campaignMessages("ca"))[0]).toMatchObject({ status: "sent", deliveredAt: null });
      expect((await s.store.campaignMessages("cb"))[0]).toMatchObject({ status: "sent", deliveredAt: expect.any(Number) });
    });

    it("says why the connection test fails, and goes back to the default once removed", async () => {
      const port = await smtpWithAuth();
      s = await testServer(name);
      const alpha = await s.project({ id: "alpha" });
      const url = "/api/v1/projects/alpha/email-settings";
      expect((await s.call("POST", `${url}/test`, alpha.auth)).json()).toEqual({ ok: false, error: "no SMTP settings for this project" });
      await s.call("PUT", url, alpha.auth, { host: "127.0.0.1", port, security: "none", username: "relais", password: "wrong password" });
      const test = (await s.call("POST", `${url}/test`, alpha.auth)).json();
      expect(test.ok).toBe(false);
      expect(test.error).toMatch(/auth/i);
      const bad = await s.call("PUT", url, alpha.auth, { host: "", port: 70000, colour: "blue" });
      expect(bad.statusCode).toBe(400);
      expect((await s.call("DELETE", url, alpha.auth)).json()).toEqual({ configured: false, hasPassword: false });
      expect(Number((await s.store.execute("SELECT count(*) AS n FROM secrets", []))[0].n)).toBe(0);
    });
  });
}
