import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const MJML = `<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Bonjour {{ contact.firstName }}, commande {{ trigger.data.order | default: "aucune" }}</mj-text>
        <mj-button href="https://shop.example/hiver">Voir</mj-button>
      </mj-column>
    </mj-section>
    {% promo %}
    <mj-section><mj-column><mj-text>Votre code : {{ promo.code }}</mj-text></mj-column></mj-section>
    {% endpromo %}
  </mj-body>
</mjml>`;

const campaign = (message: Record<string, unknown>, more: Record<string, unknown>[] = []) => ({
  name: "Hiver",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message } },
    ...more,
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: more.length ? more[0].id : "e1" },
    ...more.map((m, i) => ({ from: m.id as string, exit: "next", to: more[i + 1]?.id as string ?? "e1" }))],
});

for (const { name } of SERVER_STORES) {
  describe(`email previews and template findings (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    async function setUp() {
      const p = await s.project({ id: "shop", defaultSender: { name: "Boutique Hiver", email: "bonjour@shop.example", replyTo: "aide@shop.example" } });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "newsletter", channel: "email" }],
      }));
      await s.ctx.engine.contactEvent(p.id, {
        type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com", firstName: "Ann" }, subscriptions: { newsletter: true } },
      });
      const url = `/api/v1/projects/${p.id}`;
      const call = (method: string, path: string, body?: unknown, auth: Record<string, string> = p.auth) => s.call(method, `${url}${path}`, auth, body);
      return { ...p, url, call };
    }

    it("renders a draft's email for a chosen contact, with the project's sender, untracked, for a viewer too", async () => {
      s = await testServer(name);
      const p = await setUp();
      const created = await p.call("POST", "/campaigns", { document: campaign({ subject: "{{ contact.firstName }}, votre code {{ promo.code }}", preheader: "Pour vous", mjml: MJML }) });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id;
      const viewer = (await p.call("POST", "/api-keys", { name: "ro", role: "viewer" })).json().key;
      const r = await p.call("POST", `/campaigns/${id}/elements/a1/preview`, { contact: " Ann@Example.com ", data: { order: "A-17" }, promoCode: "HIVER-9" }, { authorization: `Bearer ${viewer}` });
      expect(r.statusCode, r.body).toBe(200);
      const out = r.json();
      expect(out).toMatchObject({
        to: "ann@example.com", subject: "Ann, votre code HIVER-9", preheader: "Pour vous",
        from: '"Boutique Hiver" <bonjour@shop.example>', replyTo: "aide@shop.example",
      });
      expect(out.html).toContain("Bonjour Ann, commande A-17");
      expect(out.html).toContain("Votre code : HIVER-9");
      expect(out.html).toContain('href="https://shop.example/hiver"');
      expect(out.html).not.toMatch(/\/t\/[oc]\//);
      expect(out.text).toContain("Bonjour Ann, commande A-17");
      expect(out.text).toContain("Voir [https://shop.example/hiver]");

      const noCode = (await p.call("POST", `/campaigns/${id}/elements/a1/preview`, { contact: "ann@example.com" })).json();
      expect(noCode.html).toContain("commande aucune");
      expect(noCode.html).not.toContain("Votre code");
      expect((await p.call("POST", `/campaigns/${id}/elements/a1/preview`, { contact: "nobody@example.com" })).statusCode).toBe(404);
      expect((await p.call("POST", `/campaigns/${id}/elements/t1/preview`, { contact: "ann@example.com" })).statusCode).toBe(400);
      expect((await p.call("POST", `/campaigns/${id}/elements/zz/preview`, { contact: "ann@example.com" })).statusCode).toBe(404);
    });

    it("previews an inline message for the editor, with or without a contact, and refuses a message with both html and mjml", async () => {
      s = await testServer(name);
      const p = await setUp();
      const r = await p.call("POST", "/email-preview", { message: { subject: "Salut {{ contact.firstName }}", html: "<p>Salut {{ contact.firstName | default: 'vous' }}</p>" }, contact: "ann@example.com" });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ to: "ann@example.com", subject: "Salut Ann", html: "<p>Salut Ann</p>", text: "Salut Ann", from: '"Boutique Hiver" <bonjour@shop.example>' });
      const anonymous = await p.call("POST", "/email-preview", { message: { subject: "x", html: "<p>Salut {{ contact.firstName | default: 'vous' }}</p>" } });
      expect(anonymous.json()).toMatchObject({ to: null, html: "<p>Salut vous</p>" });
      const both = await p.call("POST", "/email-preview", { message: { subject: "x", html: "<p>x</p>", mjml: "<mjml></mjml>" } });
      expect(both.statusCode).toBe(400);
      expect(both.json().code).toBe("invalid_input");
    });

    it("answers a template error with 422 and the finding's line", async () => {
      s = await testServer(name);
      const p = await setUp();
      const r = await p.call("POST", "/email-preview?lang=en", { message: { subject: "x", html: "<p>a</p>\n<p>b</p>\n<p>{% if contact.firstName %}c</p>" }, contact: "ann@example.com" });
      expect(r.statusCode, r.body).toBe(422);
      expect(r.json()).toMatchObject({ code: "template_error", findings: [{ code: "E_TEMPLATE_LIQUID", field: "html", line: 3, column: 4, path: "params.message.html" }] });
      expect(r.json().findings[0].message).toMatch(/^Liquid error in the HTML \(line 3, column 4\): /);
      expect(r.json().findings[0].messages.fr).toMatch(/^Erreur Liquid dans le HTML \(ligne 3, colonne 4\) : /);
    });

    it("reports bad Liquid and bad MJML as findings with their line on validate, and refuses activation", async () => {
      s = await testServer(name);
      const p = await setUp();
      const badMjml = MJML.replace("<mj-button", "<mj-buton").replace("</mj-button>", "</mj-buton>");
      const doc = campaign({ subject: "Bonjour {{ contact.firstName | nofilter }}", mjml: badMjml },
        [{ id: "a2", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "ok", html: "<p>un</p>\n<p>{{ contact.firstName </p>" } } }]);
      const id = (await p.call("POST", "/campaigns", { document: doc })).json().id;
      const v = await p.call("POST", `/campaigns/${id}/validate?lang=en`);
      expect(v.statusCode, v.body).toBe(200);
      expect(v.json().valid).toBe(false);
      const findings = v.json().findings.filter((f: { code: string }) => f.code.startsWith("E_TEMPLATE"));
      expect(findings).toEqual(expect.arrayContaining([
        expect.objectContaining({ code: "E_TEMPLATE_LIQUID", element: "a1", field: "subject", line: 1 }),
        expect.objectContaining({ code: "E_TEMPLATE_MJML", element: "a1", field: "mjml", line: 6, message: expect.stringContaining("mj-buton") }),
        expect.objectContaining({ code: "E_TEMPLATE_LIQUID", element: "a2", field: "html", line: 2 }),
      ]));
      const a = await p.call("POST", `/campaigns/${id}/activate`);
      expect(a.statusCode).toBe(422);
      expect(a.json().code).toBe("invalid_campaign");
      expect(a.json().findings.map((f: { code: string }) => f.code)).toContain("E_TEMPLATE_MJML");
      expect((await s.store.getCampaign(id))!.status).toBe("draft");
    });

    it("refuses to publish a new version of a running campaign whose template is broken", async () => {
      s = await testServer(name);
      const p = await setUp();
      const good = campaign({ subject: "Bonjour {{ contact.firstName }}", html: "<p>Bonjour</p>" });
      const id = (await p.call("POST", "/campaigns", { document: good })).json().id;
      expect((await p.call("POST", `/campaigns/${id}/activate`)).statusCode).toBe(200);
      const broken = campaign({ subject: "Bonjour {{ contact.firstName }}", html: "<p>Bonjour</p>\n{% for x in contact.items %}" });
      const r = await p.call("PUT", `/campaigns/${id}`, { document: { ...broken, id } });
      expect(r.statusCode, r.body).toBe(422);
      expect(r.json().findings).toContainEqual(expect.objectContaining({ code: "E_TEMPLATE_LIQUID", element: "a1", field: "html", line: 2 }));
      expect((await p.call("GET", `/campaigns/${id}/versions`)).json().versions).toHaveLength(1);
    });
  });
}
