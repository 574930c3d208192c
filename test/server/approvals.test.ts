import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");

const APPROVAL = {
  name: "Promo approuvée",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    {
      id: "a1", type: "action.sendEmail", params: {
        communicationType: "newsletter", requestApproval: true,
        message: { subject: "Offre pour {{ contact.firstName }}", html: '<body><p>Bonjour {{ contact.firstName }}</p><a href="https://shop.example/offre">Voir</a></body>' },
      },
    },
    { id: "w1", type: "delay.approval", params: {} },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "w1" }, { from: "w1", exit: "next", to: "e1" }],
};

for (const { name } of SERVER_STORES) {
  describe(`approval requests (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp() {
      const p = await s.project({ id: "shop", defaultSender: { name: "Boutique", email: "bonjour@shop.example" } });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "newsletter", channel: "email" }],
      }));
      for (const who of ["ann", "bob"]) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created",
          contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com`, firstName: who[0].toUpperCase() + who.slice(1) }, subscriptions: { newsletter: true } },
        });
      }
      const url = `/api/v1/projects/${p.id}`;
      const key = async (role: string) => ({ authorization: `Bearer ${(await s.call("POST", `${url}/api-keys`, p.auth, { name: role, role })).json().key}` });
      const call = (method: string, path: string, auth: Record<string, string> = p.auth, body?: unknown) => s.call(method, `${url}${path}`, auth, body);
      return { ...p, url, call, key };
    }

    it("lists what waits for approval with a preview, sends nothing before the decision, and lets only approvers decide", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = (await p.call("POST", "/campaigns", p.auth, { document: APPROVAL })).json().id;
      expect((await p.call("POST", `/campaigns/${id}/activate`)).statusCode).toBe(200);
      expect((await p.call("POST", `/campaigns/${id}/launch`)).json().entered).toBe(2);
      await s.ctx.engine.tick();
      // Hours later, still nothing has left the outbox.
      s.clock.set(T0 + 5 * 3_600_000);
      await s.ctx.engine.tick();
      const before = await s.store.campaignMessages(id);
      expect(before.map((m) => [m.contactId, m.status, m.sentAt])).toEqual([["ann@example.com", "pendingApproval", null], ["bob@example.com", "pendingApproval", null]]);

      const viewer = await p.key("viewer");
      const list = await p.call("GET", "/approvals", viewer);
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().approvals).toHaveLength(1);
      const request = list.json().approvals[0];
      expect(request).toMatchObject({
        campaign: { id, name: "Promo approuvée", status: "active" }, element: "w1", sends: ["a1"], recipients: 2, waiting: 2, preparedAt: T0, lastPreparedAt: T0,
        preview: { contact: "ann@example.com", to: "ann@example.com", subject: "Offre pour Ann", from: '"Boutique" <bonjour@shop.example>', text: "Bonjour Ann\n\nVoir [https://shop.example/offre]" },
      });
      // The preview shows the email as prepared, minus its tracking: looking at it is not an open or a click.
      expect(request.preview.html).toBe('<body><p>Bonjour Ann</p><a href="https://shop.example/offre">Voir</a></body>');
      expect(before[0].payload.html).toMatch(/\/t\/c\/.*\/t\/o\//s);
      const one = await p.call("GET", `/campaigns/${id}/approvals/w1`, viewer);
      expect(one.json()).toEqual(request);
      expect((await p.call("GET", `/campaigns/${id}/approvals/a1`)).statusCode).toBe(400);
      expect((await p.call("GET", `/campaigns/${id}/approvals/zz`)).statusCode).toBe(404);

      const denied = await p.call("POST", `/campaigns/${id}/approvals/w1`, viewer, { decision: "approve" });
      expect(denied.statusCode).toBe(403);
      expect(denied.json().code).toBe("forbidden");
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages(id)).map((m) => m.status)).toEqual(["pendingApproval", "pendingApproval"]);

      const ok = await p.call("POST", `/campaigns/${id}/approvals/w1`, await p.key("approver"), { decision: "approve" });
      expect(ok.statusCode, ok.body).toBe(200);
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages(id)).map((m) => [m.status, m.payload.subject])).toEqual([["sent", "Offre pour Ann"], ["sent", "Offre pour Bob"]]);
      expect((await p.call("GET", "/approvals")).json().approvals).toEqual([]);
      expect((await p.call("GET", `/campaigns/${id}/approvals/w1`)).json()).toMatchObject({ recipients: 0, waiting: 0, preview: null });
    });

    it("lets an editor decide too", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = (await p.call("POST", "/campaigns", p.auth, { document: APPROVAL })).json().id;
      await p.call("POST", `/campaigns/${id}/activate`);
      await p.call("POST", `/campaigns/${id}/launch`);
      await s.ctx.engine.tick();
      const r = await p.call("POST", `/campaigns/${id}/approvals/w1`, await p.key("editor"), { decision: "reject" });
      expect(r.statusCode, r.body).toBe(200);
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages(id)).map((m) => m.status)).toEqual(["discarded", "discarded"]);
      expect((await p.call("GET", "/approvals")).json().approvals).toEqual([]);
    });
  });
}
