import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ensureBuilt, startServe, type ServeProcess } from "./serve-process.js";

/**
 * `relais serve` with SMTP_URL: the demo welcome campaign sends a real email to a real SMTP
 * server; the email's one-click unsubscribe header works over HTTP against the same server.
 */
const PASSWORD = "smtp flow password";

describe("relais serve with SMTP: a real email, and its unsubscribe header", () => {
  let server: ServeProcess;
  let smtp: SMTPServer;
  const received: { mailFrom: string; raw: Buffer; at: number }[] = [];
  let cookie: string;

  beforeAll(async () => {
    ensureBuilt();
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          received.push({ mailFrom: (session.envelope.mailFrom as SMTPServerAddress).address, raw: Buffer.concat(chunks), at: Date.now() });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    const port = (smtp.server.address() as AddressInfo).port;
    server = await startServe({ RELAIS_ADMIN_PASSWORD: PASSWORD, SMTP_URL: `smtp://127.0.0.1:${port}?tls=off`, RELAIS_MAIL_DOMAIN: "demo.relais.local" });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: PASSWORD });
    cookie = login.headers.get("set-cookie")!.split(";")[0];
  }, 60_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null) await server.stop("SIGKILL");
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it("says it sends over SMTP, and delivers the welcome email within 2 seconds of the subscription", async () => {
    expect(server.output()).toMatch(/email: SMTP to 127\.0\.0\.1:\d+/);
    expect((await api(server.url, "POST", "/api/v1/projects/demo/campaigns/demo-welcome/activate", { cookie })).status).toBe(200);
    const subscribedAt = Date.now();
    const sub = await api(server.url, "PUT", "/api/v1/projects/demo/contacts/chloe.cote@example.com/subscriptions/infolettre", { cookie }, { subscribed: true });
    expect(sub.status).toBe(200);
    while (received.length === 0 && Date.now() - subscribedAt < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    const mail = await simpleParser(received[0].raw);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe("chloe.cote@example.com");
    expect(mail.subject).toBe("Bienvenue Chloé !");
    expect(received[0].mailFrom).toMatch(/^bounces\+\S+@demo\.relais\.local$/);
    const outbox = (await api(server.url, "GET", "/api/v1/projects/demo/outbox", { cookie })).json.messages;
    expect(outbox[0]).toMatchObject({ contact: "chloe.cote@example.com", status: "sent", deliveredAt: null });
  });

  it("unsubscribes through the email's List-Unsubscribe one-click POST", async () => {
    const head = received[0].raw.toString("utf8").split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
    const link = /^List-Unsubscribe: <([^>]+)>$/m.exec(head)![1];
    // The link names the server's public URL; post to the server under test.
    const path = new URL(link).pathname;
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    const contact = await api(server.url, "GET", "/api/v1/projects/demo/contacts/chloe.cote@example.com", { cookie });
    expect(contact.json.subscriptions.infolettre).toMatchObject({ subscribed: false, source: "unsubscribe-link" });
  });

  it("sends a campaign made through the API with a text part, a signed click link that redirects and an open pixel that counts", async () => {
    const promo = {
      name: "Promo",
      elements: [
        { id: "t1", type: "trigger.contactSubscribed", params: { communicationTypes: ["promotions"] } },
        { id: "a1", type: "action.sendEmail", params: { communicationType: "promotions", message: { subject: "Offre pour {{ contact.firstName }}", html: '<p>Bonjour {{ contact.firstName }}</p><p><a href="https://boutique.example/offre?id=42">Voir l\'offre</a></p>' } } },
        { id: "d1", type: "delay.period", params: { amount: 1, unit: "minutes" } },
        { id: "k1", type: "condition.messageOpened", params: { message: "a1" } },
        { id: "e1", type: "end.success", params: {} },
        { id: "e2", type: "end.neutral", params: {} },
      ],
      connections: [
        { from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" },
        { from: "k1", exit: "true", to: "e1" }, { from: "k1", exit: "false", to: "e2" },
      ],
    };
    const created = await api(server.url, "POST", "/api/v1/projects/demo/campaigns", { cookie }, { document: promo });
    expect(created.status).toBe(201);
    expect((await api(server.url, "POST", `/api/v1/projects/demo/campaigns/${created.json.id}/activate`, { cookie })).status).toBe(200);
    const before = received.length;
    await api(server.url, "PUT", "/api/v1/projects/demo/contacts/jean.gagnon@example.com/subscriptions/promotions", { cookie }, { subscribed: true });
    const deadline = Date.now() + 2_000;
    while (received.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mail = await simpleParser(received[received.length - 1].raw);
    expect(mail.subject).toBe("Offre pour Jean");
    expect(mail.text).toContain("Bonjour Jean");
    const html = String(mail.html);
    const click = /href="([^"]*\/t\/c\/[^"]+)"/.exec(html)![1].replace(/&amp;/g, "&");
    const pixel = /<img src="([^"]*\/t\/o\/[^"]+)"/.exec(html)![1];
    const local = (u: string) => `${server.url}${new URL(u).pathname}${new URL(u).search}`;
    const browser = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36" };
    // Past the prefetch window: a person opens it.
    await new Promise((r) => setTimeout(r, 2_100));
    const redirect = await fetch(local(click), { redirect: "manual", headers: browser });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://boutique.example/offre?id=42");
    const tampered = new URL(local(click));
    tampered.searchParams.set("u", "https://evil.example.net/");
    const refused = await fetch(tampered, { redirect: "manual", headers: browser });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();
    const gif = await fetch(local(pixel), { headers: browser });
    expect(gif.headers.get("content-type")).toBe("image/gif");
    const outbox = (await api(server.url, "GET", `/api/v1/projects/demo/outbox?campaign=${created.json.id}`, { cookie })).json.messages;
    expect(outbox[0]).toMatchObject({ contact: "jean.gagnon@example.com", status: "sent", openedAt: expect.any(Number), clickedAt: expect.any(Number) });
  });

  it("stops cleanly on SIGTERM with the SMTP pool open", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
