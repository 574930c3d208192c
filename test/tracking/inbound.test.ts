import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { LinkSigner } from "../../src/channels/links.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { latestSubscriptions } from "../../src/contacts/subscription-log.js";
import { DirectoryDb } from "../../src/store/directory/directory-db.js";
import type { Store } from "../../src/store/store.js";
import { readReport, startInboundSmtp } from "../../src/tracking/inbound-smtp.js";
import { SERVER_STORES } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const P = "shop";
const links = new LinkSigner(Buffer.alloc(32, 5), "https://relais.shop.example");

const config = ProjectConfig.parse({
  fields: [{ key: "email", type: "email", category: "uniqueKey" }],
  communicationTypes: [{ key: "news", channel: "email" }],
});

const campaign = CampaignDocument.parse({
  id: "news", name: "News",
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "news", message: { subject: "Nouvelles", html: "<p>Bonjour</p>" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

/** A delivery status notification (RFC 3464) as a receiving MTA writes it. */
function dsn(to: string, action: string, status: string, originalMessageId: string): string {
  return [
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", `To: ${to}`, "Subject: Undelivered Mail Returned to Sender",
    "MIME-Version: 1.0", 'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"', "",
    "--b1", "Content-Type: text/plain", "", "This is the mail system at host mx.example.net.", "",
    "--b1", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.net", "",
    "Final-Recipient: rfc822; ann@example.com", `Action: ${action}`, `Status: ${status}`, "Diagnostic-Code: smtp; 550 5.1.1 user unknown", "",
    "--b1", "Content-Type: text/rfc822-headers", "", `Message-ID: ${originalMessageId}`, "Subject: Nouvelles", "", "--b1--", "",
  ].join("\r\n");
}

/** A feedback-loop complaint (ARF, RFC 5965) quoting the original message. */
function arf(originalMessageId: string): string {
  return [
    "From: fbl@isp.example", "To: abuse@shop.example", "Subject: complaint", "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=feedback-report; boundary="f1"', "",
    "--f1", "Content-Type: text/plain", "", "This is an email abuse report.", "",
    "--f1", "Content-Type: message/feedback-report", "", "Feedback-Type: abuse", "User-Agent: ISP-FBL/1.0", "Version: 1", "",
    "--f1", "Content-Type: message/rfc822", "", `Message-ID: ${originalMessageId}`, "From: bonjour@shop.example", "To: bob@example.com", "Subject: Nouvelles", "", "Bonjour", "",
    "--f1--", "",
  ].join("\r\n");
}

describe("reading reports", () => {
  it("tells hard and soft bounces, deliveries and complaints apart", () => {
    expect(readReport(dsn("x", "failed", "5.1.1", "<a@b>"))).toEqual({ kind: "bounce", hard: true, status: "5.1.1" });
    expect(readReport(dsn("x", "failed", "4.2.2", "<a@b>"))).toEqual({ kind: "bounce", hard: false, status: "4.2.2" });
    expect(readReport(dsn("x", "delayed", "4.4.7", "<a@b>"))).toEqual({ kind: "bounce", hard: false, status: "4.4.7" });
    expect(readReport(dsn("x", "delivered", "2.0.0", "<a@b>"))).toEqual({ kind: "delivered" });
    expect(readReport(arf("<a@b>"))).toEqual({ kind: "complaint", feedbackType: "abuse" });
    expect(readReport("Subject: hello\r\n\r\nAre you there?")).toEqual({ kind: "unknown" });
  });
});

for (const { name, make } of SERVER_STORES) {
  describe(`inbound SMTP: bounces and complaints (${name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      await store?.close();
      await cleanup?.();
    });

    async function setUp() {
      ({ store, cleanup } = make());
      await store.migrate();
      await store.putProject(P, config);
      const clock = new VirtualClock(T0);
      const engine = new Engine({ store, clock, transport: new CaptureTransport(false), links });
      await engine.saveCampaign(P, campaign, 1);
      await engine.activate("news");
      for (const email of ["ann@example.com", "bob@example.com", "cy@example.com"]) {
        await engine.contactEvent(P, { type: "contact.created", contact: { id: email, fields: { email }, subscriptions: { news: true } } });
      }
      await engine.tick();
      clock.set(T0 + 600_000);
      const db = new DirectoryDb(store);
      const listener = await startInboundSmtp({ store, engine, clock, db, links, wake: () => undefined, log: () => undefined }, 0, "127.0.0.1");
      close = listener.close;
      const mailer = nodemailer.createTransport({ host: "127.0.0.1", port: listener.port, secure: false, ignoreTLS: true });
      const deliver = (to: string, raw: string) => mailer.sendMail({ envelope: { from: "", to }, raw });
      const messages = async () => new Map((await store.campaignMessages("news")).map((m) => [m.contactId, m]));
      const keyOf = (m: { journey: number; element: string; hop: number }) => ({ journey: m.journey, element: m.element, hop: m.hop });
      return { engine, db, deliver, messages, keyOf };
    }

    it("marks a hard bounce through the VERP address, and later sends to the address are skipped", async () => {
      const { deliver, messages, keyOf } = await setUp();
      const ann = (await messages()).get("ann@example.com")!;
      await deliver(links.verp(keyOf(ann), "bounces", "shop.example"), dsn("bounces@shop.example", "failed", "5.1.1", "<unrelated@mx>"));
      const after = (await messages()).get("ann@example.com")!;
      expect(after).toMatchObject({ bounceHard: true, bouncedAt: T0 + 600_000 });
      expect(await store.bouncedAmong(P, ["ann@example.com", "bob@example.com"])).toEqual(new Set(["ann@example.com"]));
    });

    it("matches a soft bounce and a delivery through the quoted Message-ID, without marking the address", async () => {
      const { deliver, messages, keyOf } = await setUp();
      const m = await messages();
      await deliver("postmaster@shop.example", dsn("postmaster@shop.example", "delayed", "4.4.7", links.messageId(keyOf(m.get("bob@example.com")!), "shop.example")));
      await deliver("postmaster@shop.example", dsn("postmaster@shop.example", "delivered", "2.0.0", links.messageId(keyOf(m.get("cy@example.com")!), "shop.example")));
      const after = await messages();
      expect(after.get("bob@example.com")).toMatchObject({ bounceHard: false, bouncedAt: T0 + 600_000 });
      expect(after.get("cy@example.com")).toMatchObject({ deliveredAt: T0 + 600_000, bouncedAt: null });
      expect(await store.bouncedAmong(P, ["bob@example.com"])).toEqual(new Set());
    });

    it("takes a complaint as an unsubscription from the message's type, with the consent history", async () => {
      const { deliver, messages, keyOf, db } = await setUp();
      const bob = (await messages()).get("bob@example.com")!;
      await deliver("abuse@shop.example", arf(links.messageId(keyOf(bob), "shop.example")));
      expect((await messages()).get("bob@example.com")).toMatchObject({ complainedAt: T0 + 600_000 });
      expect((await store.getContacts([bob.contactPk])).get(bob.contactPk)!.subscriptions.news).toBe(false);
      expect((await latestSubscriptions(db, [bob.contactPk])).get(bob.contactPk)!.news).toMatchObject({ subscribed: false, source: "complaint" });
    });

    it("accepts and drops what it cannot match: a forged Message-ID, a plain email", async () => {
      const { deliver, messages, keyOf } = await setUp();
      const before = await messages();
      const forged = links.messageId(keyOf(before.get("ann@example.com")!), "shop.example").replace(/.@/, (x) => (x[0] === "A" ? "B@" : "A@"));
      await deliver("postmaster@shop.example", dsn("postmaster@shop.example", "failed", "5.1.1", forged));
      await deliver("hello@shop.example", "From: someone@example.net\r\nSubject: hi\r\n\r\nhello");
      for (const m of (await messages()).values()) expect(m).toMatchObject({ bouncedAt: null, complainedAt: null });
    });
  });
}
