import { generateKeyPairSync } from "node:crypto";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { dkimVerify } from "mailauth";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { SmtpTransport, smtpSettingsFromEnv } from "../../src/channels/email/smtp-transport.js";
import { LinkSigner } from "../../src/channels/links.js";
import { ChannelRouter } from "../../src/channels/router.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import type { Store } from "../../src/store/store.js";
import { SERVER_STORES } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const P = "shop";
const links = new LinkSigner(Buffer.alloc(32, 9), "https://relais.shop.example");

const config = ProjectConfig.parse({
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

const welcome = (id: string, trigger: string) => CampaignDocument.parse({
  id, name: id,
  elements: [
    { id: "t1", type: trigger, params: trigger === "trigger.contactUpdated" ? { fields: ["firstName"] } : {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Bonjour {{ contact.firstName }}", html: "<p>Bonjour {{ contact.firstName }}</p>", from: '"Boutique" <bonjour@shop.example>' } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

interface Received {
  mailFrom: string;
  rcpt: string[];
  raw: Buffer;
}

/** A real SMTP server; `answer` decides, per recipient and attempt, what it says to RCPT TO. */
async function smtpServer(answer: (rcpt: string, attempt: number) => number = () => 250, port = 0) {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const n = (attempts.get(address.address) ?? 0) + 1;
      attempts.set(address.address, n);
      const code = answer(address.address, n);
      if (code === 250) return callback();
      const err = Object.assign(new Error(code >= 500 ? "5.1.1 user unknown" : "4.7.1 try again later"), { responseCode: code });
      return callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({ mailFrom: (session.envelope.mailFrom as SMTPServerAddress).address, rcpt: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return { server, received, port: (server.server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const { name, make } of SERVER_STORES) {
  describe(`email over SMTP (${name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const closers: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await store?.close();
      await cleanup?.();
    });

    async function setUp(port: number, env: Record<string, string> = {}) {
      ({ store, cleanup } = make());
      await store.migrate();
      await store.putProject(P, config);
      const clock = new VirtualClock(T0);
      const settings = smtpSettingsFromEnv({ SMTP_URL: `smtp://127.0.0.1:${port}?tls=off`, ...env }, links)!;
      const smtp = new SmtpTransport(settings);
      closers.push(() => smtp.close());
      const engine = new Engine({ store, clock, transport: new ChannelRouter().register("email", smtp), links });
      await engine.saveCampaign(P, welcome("welcome", "trigger.contactCreated"), 1);
      await engine.activate("welcome");
      const create = async (people: [string, string][]) => {
        for (const [email, firstName] of people) {
          await engine.contactEvent(P, { type: "contact.created", contact: { id: email, fields: { email, firstName }, subscriptions: { news: true } } });
        }
        await engine.tick();
      };
      const byContact = async () => new Map((await store.campaignMessages("welcome")).map((m) => [m.contactId, m]));
      return { engine, clock, create, byContact };
    }

    it("delivers with a signed Message-ID, a VERP return path, one-click unsubscribe headers and a DKIM signature", async () => {
      const smtp = await smtpServer();
      closers.push(smtp.close);
      const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
      const { create, byContact } = await setUp(smtp.port, { RELAIS_DKIM_DOMAIN: "shop.example", RELAIS_DKIM_SELECTOR: "relais", RELAIS_DKIM_PRIVATE_KEY: privateKey });
      await create([["ann@example.com", "Ann"], ["bob@example.com", "Bob"]]);

      expect(smtp.received.map((r) => r.rcpt).sort()).toEqual([["ann@example.com"], ["bob@example.com"]]);
      const ann = smtp.received.find((r) => r.rcpt[0] === "ann@example.com")!;
      const mail = await simpleParser(ann.raw);
      expect(mail.subject).toBe("Bonjour Ann");
      expect(mail.from?.text).toBe('"Boutique" <bonjour@shop.example>');
      expect(mail.html).toContain("Bonjour Ann");
      const annMessage = (await byContact()).get("ann@example.com")!;
      const key = { journey: annMessage.journey, element: "a1", hop: annMessage.hop };
      expect(links.parseBounceAddress(mail.messageId!)).toEqual(key);
      expect(ann.mailFrom).toMatch(/^bounces\+[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}@shop\.example$/);
      expect(links.parseBounceAddress(ann.mailFrom)).toEqual(key);
      const head = ann.raw.toString("utf8").split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
      expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
      const unsubscribe = /^List-Unsubscribe: <https:\/\/relais\.shop\.example\/u\/([^>]+)>$/m.exec(head);
      expect(links.verify("unsubscribe", unsubscribe![1])).toEqual(key);
      // The signature verifies against the public key a DNS TXT record would publish.
      const txt = `v=DKIM1; k=rsa; p=${publicKey.replace(/-----[^-]+-----|\s/g, "")}`;
      const verified = await dkimVerify(ann.raw, {
        resolver: async (name: string, type: string) => {
          if (type === "TXT" && name === "relais._domainkey.shop.example") return [[txt]];
          throw Object.assign(new Error("no such record"), { code: "ENOTFOUND" });
        },
      });
      expect(verified.results.map((r: { signingDomain?: string; status: { result: string } }) => [r.signingDomain, r.status.result])).toEqual([["shop.example", "pass"]]);
      // Handed over, not yet known to be delivered.
      expect(annMessage).toMatchObject({ status: "sent", sentAt: T0, deliveredAt: null });
    });

    it("retries a 4xx answer later and delivers exactly once; a 5xx fails, bounces the address, and the next send to it is skipped", async () => {
      const smtp = await smtpServer((rcpt, n) => (rcpt === "ann@example.com" && n === 1 ? 451 : rcpt === "bob@example.com" ? 550 : 250));
      closers.push(smtp.close);
      const { engine, clock, create, byContact } = await setUp(smtp.port);
      await create([["ann@example.com", "Ann"], ["bob@example.com", "Bob"], ["cy@example.com", "Cy"]]);

      let m = await byContact();
      expect(m.get("ann@example.com")).toMatchObject({ status: "queued", reason: expect.stringContaining("451") });
      expect(m.get("bob@example.com")).toMatchObject({ status: "failed", reason: expect.stringContaining("550"), bounceHard: true, bouncedAt: T0 });
      expect(m.get("cy@example.com")).toMatchObject({ status: "sent" });
      expect(await store.bouncedAmong(P, ["bob@example.com", "cy@example.com"])).toEqual(new Set(["bob@example.com"]));

      clock.set(T0 + 30_000);
      await engine.tick();
      expect(smtp.received.filter((r) => r.rcpt[0] === "ann@example.com")).toHaveLength(0);
      clock.set(T0 + 60_000);
      await engine.tick();
      await engine.tick();
      m = await byContact();
      expect(m.get("ann@example.com")).toMatchObject({ status: "sent", sentAt: T0 + 60_000 });
      expect(smtp.received.map((r) => r.rcpt[0]).sort()).toEqual(["ann@example.com", "cy@example.com"]);

      // Another campaign writes to Bob again: skipped, the address bounced.
      await engine.saveCampaign(P, welcome("again", "trigger.contactUpdated"), 1);
      await engine.activate("again");
      await engine.contactEvent(P, { type: "contact.updated", contact: "bob@example.com", fields: { firstName: "Robert" } });
      await engine.tick();
      expect((await store.campaignMessages("again"))[0]).toMatchObject({ contactId: "bob@example.com", status: "skipped", reason: "bounced" });
    });

    it("keeps messages queued while the server is unreachable, then delivers each once when it is back", async () => {
      const port = await freePort();
      const { engine, clock, create, byContact } = await setUp(port);
      await create([["ann@example.com", "Ann"], ["bob@example.com", "Bob"]]);
      for (const msg of (await byContact()).values()) expect(msg).toMatchObject({ status: "queued", reason: expect.stringMatching(/ECONNREFUSED|ECONNECTION|connect/i) });

      const smtp = await smtpServer(() => 250, port);
      closers.unshift(smtp.close); // closed last, after the transport's pooled connections
      clock.set(T0 + 60_000);
      await engine.tick();
      clock.set(T0 + 10 * 60_000);
      await engine.tick();
      expect([...(await byContact()).values()].map((msg) => msg.status)).toEqual(["sent", "sent"]);
      expect(smtp.received.map((r) => r.rcpt[0]).sort()).toEqual(["ann@example.com", "bob@example.com"]);
    });

    it("loses and doubles nothing when the connection drops in the middle of a message", async () => {
      const smtp = await smtpServer();
      closers.push(smtp.close);
      // A proxy that cuts the first connection while the third message's body is on the wire.
      let cut = false;
      const sockets: Socket[] = [];
      const proxy = createServer((client) => {
        const upstream = connect(smtp.port, "127.0.0.1");
        sockets.push(client, upstream);
        upstream.pipe(client);
        let ends = 0;
        client.on("data", (chunk: Buffer) => {
          const text = chunk.toString("latin1");
          const terminators = text.split("\r\n.\r\n").length - 1;
          if (!cut && ends + terminators >= 3) {
            cut = true;
            upstream.write(chunk.subarray(0, Math.max(0, text.indexOf("\r\n.\r\n") - 10)));
            client.destroy();
            upstream.destroy();
            return;
          }
          ends += terminators;
          upstream.write(chunk);
        });
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
      closers.push(() => new Promise<void>((r) => {
        for (const so of sockets) so.destroy();
        proxy.close(() => r());
      }));
      const { engine, clock, create, byContact } = await setUp((proxy.address() as AddressInfo).port, { SMTP_MAX_CONNECTIONS: "1" });
      const people = Array.from({ length: 5 }, (_, i) => [`p${i}@example.com`, `P${i}`] as [string, string]);
      await create(people);
      expect(cut).toBe(true);
      const first = [...(await byContact()).values()];
      expect(first.filter((m) => m.status === "sent").length).toBeGreaterThanOrEqual(2);
      expect(first.filter((m) => m.status === "queued").length).toBeGreaterThanOrEqual(1);
      for (let i = 1; i <= 5 && [...(await byContact()).values()].some((m) => m.status === "queued"); i++) {
        clock.set(T0 + i * 10 * 60_000);
        await engine.tick();
      }
      expect([...(await byContact()).values()].map((m) => m.status)).toEqual(["sent", "sent", "sent", "sent", "sent"]);
      // Every contact's email arrived exactly once.
      expect(smtp.received.map((r) => r.rcpt[0]).sort()).toEqual(people.map(([e]) => e).sort());
    });

    it("respects the rate limit", async () => {
      const smtp = await smtpServer();
      closers.push(smtp.close);
      const { create } = await setUp(smtp.port, { SMTP_RATE: "20" });
      const started = Date.now();
      await create(Array.from({ length: 10 }, (_, i) => [`p${i}@example.com`, `P${i}`] as [string, string]));
      expect(smtp.received).toHaveLength(10);
      // 10 messages at 20/s: the last leaves at least 450 ms after the first.
      expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    });
  });
}

describe("SMTP settings", () => {
  it("are off without SMTP_URL and refuse a URL that is not SMTP", () => {
    expect(smtpSettingsFromEnv({}, links)).toBeUndefined();
    expect(() => smtpSettingsFromEnv({ SMTP_URL: "http://mail.example.com" }, links)).toThrow(/SMTP_URL/);
    expect(() => smtpSettingsFromEnv({ SMTP_URL: "smtp://mail.example.com", SMTP_RATE: "fast" }, links)).toThrow(/SMTP_RATE/);
  });
});
