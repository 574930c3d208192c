import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { notifyApprovers, smtpSystemMailer } from "../../src/channels/email/approval-notices.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const APPROVAL = {
  name: "Promo approuvée",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", requestApproval: true, message: { subject: "Offre", html: "<p>Bonjour</p>" } } },
    { id: "w1", type: "delay.approval", params: {} },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "w1" }, { from: "w1", exit: "next", to: "e1" }],
};

for (const { name } of SERVER_STORES) {
  describe(`approval notices (${name})`, () => {
    let s: TestServer;
    let smtp: SMTPServer | undefined;
    afterEach(async () => {
      await s?.close();
      if (smtp) await new Promise<void>((r) => smtp!.close(() => r()));
      smtp = undefined;
    });

    async function setUp() {
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, communicationTypes: [{ key: "newsletter", channel: "email" }] }));
      for (const email of ["ann@example.com", "bob@example.com", "cy@example.com"]) {
        await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: email, fields: { email }, subscriptions: { newsletter: true } } });
      }
      // An approver and an editor of the project: only approvers and admins are told.
      for (const [email, role] of [["approbatrice@shop.example", "approver"], ["redacteur@shop.example", "editor"]]) {
        await s.call("POST", "/api/v1/users", { cookie: s.adminCookie }, { email, password: "a long enough password" });
        await s.call("PUT", `/api/v1/projects/${p.id}/members`, { cookie: s.adminCookie }, { email, role });
      }
      const id = (await s.call("POST", `/api/v1/projects/${p.id}/campaigns`, p.auth, { document: APPROVAL })).json().id as string;
      expect((await s.call("POST", `/api/v1/projects/${p.id}/campaigns/${id}/activate`, p.auth)).statusCode).toBe(200);
      return { p, id };
    }

    it("emails the approvers once per approval request, over SMTP, with the count and the link", async () => {
      const received: Buffer[] = [];
      smtp = new SMTPServer({
        authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
        onData(stream, _session, cb) {
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            received.push(Buffer.concat(chunks));
            cb();
          });
        },
      });
      await new Promise<void>((r) => smtp!.listen(0, "127.0.0.1", () => r()));
      const mailer = smtpSystemMailer({ SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}?tls=off`, RELAIS_MAIL_FROM: "Relais <relais@shop.example>" })!;
      const { p, id } = await setUp();
      const deps = { store: s.store, db: s.ctx.db, clock: s.clock, baseUrl: "https://relais.shop.example", mailer, log: () => undefined };
      try {
        expect(await notifyApprovers(deps)).toBe(0); // nothing waits yet
        expect((await s.call("POST", `/api/v1/projects/${p.id}/campaigns/${id}/launch`, p.auth)).json().entered).toBe(3);
        await s.ctx.engine.tick();
        expect(await notifyApprovers(deps)).toBe(1);
        expect(await notifyApprovers(deps)).toBe(0); // the same request: never twice
        expect(received).toHaveLength(1);
        const mail = await simpleParser(received[0]);
        // The project's admin (its creator) and its approver; not the editor.
        expect(mail.to && "text" in mail.to ? mail.to.text.split(", ").sort() : []).toEqual(["admin@example.com", "approbatrice@shop.example"]);
        expect(mail.subject).toBe("[Relais] Approbation demandée / Approval requested : Promo approuvée (3)");
        expect(mail.text).toContain(`https://relais.shop.example/api/v1/projects/shop/campaigns/${id}/approvals/a1`);
        expect(mail.text).toContain("Rien ne sera envoyé avant votre approbation");

        // Approved, then a new launch prepares a new request: a new notice.
        expect((await s.call("POST", `/api/v1/projects/${p.id}/campaigns/${id}/approvals/w1`, p.auth, { decision: "approve" })).statusCode).toBe(200);
        await s.ctx.engine.tick();
        expect(await notifyApprovers(deps)).toBe(0);
        s.clock.set(s.clock.now() + 86_400_000);
        await s.call("POST", `/api/v1/projects/${p.id}/campaigns/${id}/launch`, p.auth);
        await s.ctx.engine.tick();
        expect(await notifyApprovers(deps)).toBe(1);
        expect(received).toHaveLength(2);
      } finally {
        mailer.close?.();
      }
    });

    it("keeps the notice as system mail when no SMTP server is configured", async () => {
      const { p, id } = await setUp();
      await s.call("POST", `/api/v1/projects/${p.id}/campaigns/${id}/launch`, p.auth);
      await s.ctx.engine.tick();
      expect(await notifyApprovers({ store: s.store, db: s.ctx.db, clock: s.clock, baseUrl: "http://relais.test", log: () => undefined })).toBe(1);
      const rows = await s.ctx.db.all(s.ctx.db.q.selectFrom("system_emails").selectAll());
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0].recipients).sort()).toEqual(["admin@example.com", "approbatrice@shop.example"]);
      expect(rows[0].sent_at).toBeNull();
    });
  });
}
