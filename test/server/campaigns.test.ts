import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const HOUR = 3_600_000;

const email = (subject: string, extra: Record<string, unknown> = {}) => ({
  communicationType: "newsletter", message: { subject, html: `<p>${subject}</p>` }, ...extra,
});

/** Manual launch, a one-hour wait, then a success. */
const WAIT = {
  name: "Attente",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: email("Bonjour {{ contact.firstName }}") },
    { id: "w1", type: "delay.period", params: { amount: 1, unit: "hours" } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "a1" },
    { from: "a1", exit: "next", to: "w1" },
    { from: "w1", exit: "next", to: "e1" },
  ],
};

/** One contact at a time through the API; the email reads what the call passed. */
const API = {
  name: "Commande",
  elements: [
    { id: "t1", type: "trigger.api", params: {} },
    { id: "a1", type: "action.sendEmail", params: email("Merci {{ contact.firstName }} pour la commande {{ trigger.data.order }}") },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
};

const APPROVAL = {
  name: "Promo approuvée",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: email("Offre", { requestApproval: true }) },
    { id: "w1", type: "delay.approval", params: {} },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "w1" }, { from: "w1", exit: "next", to: "e1" }],
};

const AX_TEST = {
  name: "Test A/B",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "s1", type: "split.axTest", params: { variants: [{ key: "A", percent: 25 }, { key: "B", percent: 25 }], winner: { mode: "manual" } } },
    { id: "a1", type: "action.sendEmail", params: email("Version A") },
    { id: "a2", type: "action.sendEmail", params: email("Version B") },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "s1" },
    { from: "s1", exit: "A", to: "a1" },
    { from: "s1", exit: "B", to: "a2" },
    { from: "a1", exit: "next", to: "e1" },
    { from: "a2", exit: "next", to: "e1" },
  ],
};

const PEOPLE = ["ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal"];

for (const { name } of SERVER_STORES) {
  describe(`campaigns API (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    /** A project with a first name, a newsletter and subscribed contacts (`<name>@example.com`). */
    async function setUp(projectId = "shop", people = PEOPLE.slice(0, 2)) {
      const p = await s.project({ id: projectId });
      await s.ctx.projects.updateConfig(p.id, (c) => ({
        ...c,
        fields: [...c.fields, { key: "firstName", type: "text", category: "general" }],
        communicationTypes: [{ key: "newsletter", channel: "email" }],
      }));
      for (const who of people) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created",
          contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com`, firstName: who[0].toUpperCase() + who.slice(1) }, subscriptions: { newsletter: true } },
        });
      }
      const url = `/api/v1/projects/${p.id}`;
      const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => s.call(method, `${url}${path}`, { ...p.auth, ...headers }, body);
      return { ...p, url, call };
    }

    type Project = Awaited<ReturnType<typeof setUp>>;

    async function create(p: Project, document: unknown): Promise<string> {
      const r = await p.call("POST", "/campaigns", { document });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id;
    }

    async function activeCampaign(p: Project, document: unknown): Promise<string> {
      const id = await create(p, document);
      const r = await p.call("POST", `/campaigns/${id}/activate`);
      expect(r.statusCode, r.body).toBe(200);
      return id;
    }

    const journeysOf = async (id: string) => new Map((await s.store.journeys(id)).map((j) => [j.contactId, j]));

    it("creates a draft with a server-assigned id, lists it, reads it with its findings, updates and deletes it", async () => {
      s = await testServer(name);
      const p = await setUp();
      const created = await p.call("POST", "/campaigns", { document: { ...WAIT, id: "mine" }, seed: 7 });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body.id).toMatch(/^c-[0-9a-f]{12}$/);
      expect(body).toMatchObject({ name: "Attente", status: "draft", version: null, seed: 7, valid: true, activatedAt: null });
      expect(body.document.id).toBe(body.id);
      expect((await s.store.getCampaign(body.id))!.doc.id).toBe(body.id);

      const list = await p.call("GET", "/campaigns");
      expect(list.json().campaigns).toEqual([{ id: body.id, name: "Attente", status: "draft", activatedAt: null, pausedAt: null, version: null, waiting: 0, updatedAt: T0 }]);

      const incomplete = { ...WAIT, name: "Brouillon", elements: [...WAIT.elements.slice(0, 1), { id: "w1", type: "delay.period", params: { amount: -1 } }] };
      const put = await p.call("PUT", `/campaigns/${body.id}`, { document: incomplete });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ name: "Brouillon", status: "draft", version: null, valid: false });
      expect(put.json().findings.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(["E_NO_ACTION", "E_PARAMS"]));

      const read = await p.call("GET", `/campaigns/${body.id}`);
      expect(read.json().document.name).toBe("Brouillon");
      expect(read.json().findings.find((f: { code: string }) => f.code === "E_NO_ACTION").message).toBe(read.json().findings.find((f: { code: string }) => f.code === "E_NO_ACTION").messages.fr);

      expect((await p.call("DELETE", `/campaigns/${body.id}`)).statusCode).toBe(200);
      expect((await p.call("GET", `/campaigns/${body.id}`)).statusCode).toBe(404);
      expect(await s.store.getCampaign(body.id)).toBeUndefined();
    });

    it("gives findings in the language asked by ?lang, else by Accept-Language, else in French", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = await create(p, { name: "Vide", elements: [] });
      const fr = (await p.call("POST", `/campaigns/${id}/validate`)).json();
      expect(fr.valid).toBe(false);
      const noTrigger = (r: { findings: { code: string; message: string; messages: { fr: string; en: string } }[] }) => r.findings.find((f) => f.code === "E_NO_TRIGGER")!;
      expect(noTrigger(fr).message).toBe(noTrigger(fr).messages.fr);
      const en = (await p.call("POST", `/campaigns/${id}/validate?lang=en`)).json();
      expect(noTrigger(en).message).toBe(noTrigger(en).messages.en);
      const header = (await p.call("POST", `/campaigns/${id}/validate`, undefined, { "accept-language": "de-DE, en-GB;q=0.8, fr;q=0.5" })).json();
      expect(noTrigger(header).message).toBe(noTrigger(header).messages.en);
      const both = (await p.call("POST", `/campaigns/${id}/validate`, undefined, { "accept-language": "en;q=0.5, fr-CA;q=0.9" })).json();
      expect(noTrigger(both).message).toBe(noTrigger(both).messages.fr);
      expect((await p.call("POST", `/campaigns/${id}/validate?lang=de`)).statusCode).toBe(400);
    });

    it("refuses to activate a campaign with errors, with its findings, and activates it once fixed as version 1", async () => {
      s = await testServer(name);
      const p = await setUp();
      const broken = { ...WAIT, elements: WAIT.elements.map((e) => (e.id === "w1" ? { ...e, params: { amount: 1, unit: "years" } } : e)) };
      const id = await create(p, broken);
      const refused = await p.call("POST", `/campaigns/${id}/activate?lang=en`);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe("invalid_campaign");
      expect(refused.json().findings).toEqual(expect.arrayContaining([expect.objectContaining({ code: "E_PARAMS", element: "w1" })]));
      expect((await s.store.getCampaign(id))!.status).toBe("draft");
      expect((await p.call("GET", `/campaigns/${id}/versions`)).json().versions).toEqual([]);

      expect((await p.call("PUT", `/campaigns/${id}`, { document: WAIT })).statusCode).toBe(200);
      const ok = await p.call("POST", `/campaigns/${id}/activate`);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: "active", version: 1, activatedAt: T0 });
      expect((await p.call("GET", `/campaigns/${id}/versions`)).json().versions).toEqual([{ version: 1, publishedAt: T0 }]);
      const v1 = await p.call("GET", `/campaigns/${id}/versions/1`);
      expect(v1.json().document).toMatchObject({ id, name: "Attente" });
      expect((await p.call("GET", `/campaigns/${id}/versions/2`)).statusCode).toBe(404);
    });

    it("walks the lifecycle and refuses transitions that make no sense with 409 and a reason", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = await create(p, WAIT);
      const post = (action: string, body?: unknown) => p.call("POST", `/campaigns/${id}/${action}`, body);
      const refused = async (action: string, body?: unknown) => {
        const r = await post(action, body);
        expect(r.statusCode, `${action}: ${r.body}`).toBe(409);
        expect(r.json().code).toBe("invalid_transition");
        return r.json().detail as string;
      };
      expect(await refused("pause")).toBe("cannot pause a draft campaign: only an active campaign can be paused");
      expect(await refused("resume", { overdue: "now" })).toContain("activate it first");
      expect(await refused("stop")).toContain("delete it instead");
      expect((await post("activate")).json().status).toBe("active");
      expect(await refused("activate")).toContain("already active");
      expect(await refused("resume", { overdue: "now" })).toContain("not paused");
      expect((await p.call("DELETE", `/campaigns/${id}`)).statusCode).toBe(409);
      expect((await post("pause")).json()).toMatchObject({ status: "paused", pausedAt: T0 });
      expect(await refused("pause")).toContain("already paused");
      expect(await refused("activate")).toContain("resume it instead");
      expect((await post("resume", {})).statusCode).toBe(400);
      expect((await post("resume", { overdue: "now" })).json()).toMatchObject({ status: "active", pausedAt: null });
      expect((await post("stop")).json().status).toBe("stopped");
      expect(await refused("activate")).toContain("duplicate it");
      expect(await refused("resume", { overdue: "now" })).toContain("final");
      const edit = await p.call("PUT", `/campaigns/${id}`, { document: WAIT });
      expect(edit.statusCode).toBe(409);
      expect((await p.call("DELETE", `/campaigns/${id}`)).json().detail).toContain("only drafts can be deleted");
      expect((await s.store.getCampaign(id))!.status).toBe("stopped");
    });

    it("resumes overdue contacts at once with overdue now, and after what they had left to wait with retime", async () => {
      s = await testServer(name);
      const p = await setUp();
      const now = await activeCampaign(p, WAIT);
      const retime = await activeCampaign(p, { ...WAIT, name: "Attente 2" });
      for (const id of [now, retime]) expect((await p.call("POST", `/campaigns/${id}/launch`)).json()).toEqual({ entered: 2 });
      await s.ctx.engine.tick();
      s.clock.set(T0 + HOUR / 4);
      for (const id of [now, retime]) expect((await p.call("POST", `/campaigns/${id}/pause`)).statusCode).toBe(200);
      s.clock.set(T0 + 3 * HOUR);
      await s.ctx.engine.tick();
      expect([...(await journeysOf(now)).values()].every((j) => j.endedAt === null)).toBe(true);
      expect((await p.call("POST", `/campaigns/${now}/resume`, { overdue: "now" })).statusCode).toBe(200);
      expect((await p.call("POST", `/campaigns/${retime}/resume`, { overdue: "retime" })).statusCode).toBe(200);
      await s.ctx.engine.tick();
      expect([...(await journeysOf(now)).values()].map((j) => [j.outcome, j.endedAt])).toEqual([["success", T0 + 3 * HOUR], ["success", T0 + 3 * HOUR]]);
      expect([...(await journeysOf(retime)).values()].every((j) => j.endedAt === null)).toBe(true);
      s.clock.set(T0 + 3 * HOUR + (3 * HOUR) / 4);
      await s.ctx.engine.tick();
      expect([...(await journeysOf(retime)).values()].map((j) => [j.outcome, j.endedAt])).toEqual([["success", s.clock.now()], ["success", s.clock.now()]]);
      const list = (await p.call("GET", "/campaigns")).json().campaigns;
      expect(list.map((c: { waiting: number }) => c.waiting)).toEqual([0, 0]);
    });

    it("duplicates, exports and imports a campaign as new drafts with the same document", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = await activeCampaign(p, AX_TEST);
      const dup = await p.call("POST", `/campaigns/${id}/duplicate`);
      expect(dup.statusCode).toBe(201);
      expect(dup.json()).toMatchObject({ name: "Test A/B (copie)", status: "draft", version: null });
      expect(dup.json().id).not.toBe(id);
      expect(dup.json().document.elements).toEqual((await s.store.getCampaign(id))!.doc.elements);

      const exported = await p.call("GET", `/campaigns/${id}/export`);
      expect(exported.statusCode).toBe(200);
      expect(exported.headers["content-disposition"]).toBe('attachment; filename="test-a-b.relais.json"');
      const file = exported.json();
      expect(file).toMatchObject({ relais: "campaign", version: 1, document: { name: "Test A/B" } });
      expect(file.document.id).toBeUndefined();

      const other = await setUp("other", []);
      const imported = await other.call("POST", "/campaigns/import", file);
      expect(imported.statusCode, imported.body).toBe(201);
      expect(imported.json()).toMatchObject({ status: "draft", name: "Test A/B", valid: true });
      expect(imported.json().document).toEqual({ ...file.document, id: imported.json().id });
      const again = await other.call("GET", `/campaigns/${imported.json().id}/export`);
      expect(again.json()).toEqual(file);

      const wrong = await other.call("POST", "/campaigns/import", { ...file, version: 2 });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors.map((e: { path: string }) => e.path)).toContain("body.version");
      expect((await other.call("GET", "/campaigns")).json().campaigns).toHaveLength(1);
    });

    it("keeps templates per project and makes drafts from them", async () => {
      s = await testServer(name);
      const p = await setUp();
      const created = await p.call("POST", "/templates", { name: "Relance", document: WAIT });
      expect(created.statusCode).toBe(201);
      const t = created.json();
      expect(t).toMatchObject({ id: expect.stringMatching(/^t-/), name: "Relance", createdAt: T0, updatedAt: T0 });
      expect(t.document.id).toBeUndefined();
      expect((await p.call("GET", "/templates")).json().templates).toEqual([t]);

      s.clock.set(T0 + HOUR);
      const renamed = await p.call("PUT", `/templates/${t.id}`, { name: "Relance v2", document: { ...WAIT, name: "" } });
      expect(renamed.json()).toMatchObject({ name: "Relance v2", updatedAt: T0 + HOUR, createdAt: T0 });

      const draft = await p.call("POST", `/templates/${t.id}/campaigns`);
      expect(draft.statusCode, draft.body).toBe(201);
      expect(draft.json()).toMatchObject({ name: "Relance v2", status: "draft", valid: true });
      const named = await p.call("POST", `/templates/${t.id}/campaigns`, { name: "Relance de mars" });
      expect(named.json().name).toBe("Relance de mars");
      expect((await p.call("POST", `/campaigns/${draft.json().id}/activate`)).statusCode).toBe(200);

      const other = await setUp("other", []);
      expect((await other.call("GET", `/templates/${t.id}`)).statusCode).toBe(404);
      expect((await other.call("POST", `/templates/${t.id}/campaigns`)).statusCode).toBe(404);
      expect((await other.call("DELETE", `/templates/${t.id}`)).statusCode).toBe(404);
      expect((await p.call("DELETE", `/templates/${t.id}`)).statusCode).toBe(200);
      expect((await p.call("GET", `/templates/${t.id}`)).statusCode).toBe(404);
      expect((await p.call("GET", "/campaigns")).json().campaigns).toHaveLength(2);
    });

    it("launches a manual campaign, and refuses a launch when it is not active or has no manual trigger", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = await create(p, WAIT);
      expect((await p.call("POST", `/campaigns/${id}/launch`)).statusCode).toBe(409);
      await p.call("POST", `/campaigns/${id}/activate`);
      expect((await p.call("POST", `/campaigns/${id}/launch`)).json()).toEqual({ entered: 2 });
      await s.ctx.engine.tick();
      const messages = await s.store.campaignMessages(id);
      expect(messages.map((m) => [m.contactId, m.status, m.payload.subject])).toEqual([
        ["ann@example.com", "sent", "Bonjour Ann"], ["bob@example.com", "sent", "Bonjour Bob"],
      ]);
      const list = (await p.call("GET", "/campaigns")).json().campaigns;
      expect(list[0]).toMatchObject({ id, status: "active", version: 1, waiting: 2 });
      const api = await activeCampaign(p, API);
      const noManual = await p.call("POST", `/campaigns/${api}/launch`);
      expect(noManual.statusCode).toBe(409);
      expect(noManual.json().code).toBe("no_manual_trigger");
    });

    it("enters one contact through the API trigger with data the email reads as trigger.data", async () => {
      s = await testServer(name);
      const p = await setUp();
      const id = await create(p, API);
      const entry = { contact: " Ann@Example.com ", data: { order: "A-17" } };
      expect((await p.call("POST", `/campaigns/${id}/entries`, entry)).statusCode).toBe(409);
      await p.call("POST", `/campaigns/${id}/activate`);
      const r = await p.call("POST", `/campaigns/${id}/entries`, entry);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({ entered: true });
      // Re-entry afterExit: not while the first journey is inside.
      expect((await p.call("POST", `/campaigns/${id}/entries`, entry)).json()).toEqual({ entered: false });
      await s.ctx.engine.tick();
      const [message] = await s.store.campaignMessages(id);
      expect(message.payload.subject).toBe("Merci Ann pour la commande A-17");
      expect((await p.call("POST", `/campaigns/${id}/entries`, { contact: "ann@example.com" })).json()).toEqual({ entered: true });

      const unknown = await p.call("POST", `/campaigns/${id}/entries`, { contact: "zed@example.com" });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().detail).toBe("contact zed@example.com not found");
      expect((await p.call("POST", `/campaigns/${id}/entries`, { contact: "not an email" })).statusCode).toBe(400);
      const manual = await activeCampaign(p, WAIT);
      const noApi = await p.call("POST", `/campaigns/${manual}/entries`, { contact: "ann@example.com" });
      expect(noApi.statusCode).toBe(409);
      expect(noApi.json().code).toBe("no_api_trigger");
      expect((await s.store.journeys(id)).length).toBe(2);
    });

    it("approves or rejects the emails waiting at an approval, with the approve permission", async () => {
      s = await testServer(name);
      const p = await setUp("shop", ["ann", "bob"]);
      const approved = await activeCampaign(p, APPROVAL);
      const rejected = await activeCampaign(p, { ...APPROVAL, name: "Promo refusée" });
      for (const id of [approved, rejected]) await p.call("POST", `/campaigns/${id}/launch`);
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages(approved)).map((m) => m.status)).toEqual(["pendingApproval", "pendingApproval"]);

      const viewer = await s.call("POST", `${p.url}/api-keys`, p.auth, { name: "ro", role: "viewer" });
      const approver = await s.call("POST", `${p.url}/api-keys`, p.auth, { name: "ok", role: "approver" });
      const as = (key: string) => ({ authorization: `Bearer ${key}` });
      expect((await s.call("POST", `${p.url}/campaigns/${approved}/approvals/w1`, as(viewer.json().key), { decision: "approve" })).statusCode).toBe(403);
      const yes = await s.call("POST", `${p.url}/campaigns/${approved}/approvals/w1`, as(approver.json().key), { decision: "approve" });
      expect(yes.statusCode, yes.body).toBe(200);
      expect(yes.json()).toEqual({ element: "w1", decision: "approve", contacts: 2 });
      expect((await p.call("POST", `/campaigns/${rejected}/approvals/w1`, { decision: "reject" })).json().contacts).toBe(2);
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages(approved)).map((m) => m.status)).toEqual(["sent", "sent"]);
      expect([...(await journeysOf(approved)).values()].map((j) => j.outcome)).toEqual(["success", "success"]);
      expect((await s.store.campaignMessages(rejected)).map((m) => m.status)).toEqual(["discarded", "discarded"]);
      expect([...(await journeysOf(rejected)).values()].map((j) => j.outcome)).toEqual(["abandon", "abandon"]);

      expect((await p.call("POST", `/campaigns/${approved}/approvals/a1`, { decision: "approve" })).statusCode).toBe(400);
      expect((await p.call("POST", `/campaigns/${approved}/approvals/nope`, { decision: "approve" })).statusCode).toBe(404);
      expect((await p.call("POST", `/campaigns/${approved}/approvals/w1`, { decision: "maybe" })).statusCode).toBe(400);
    });

    it("sets an A/X test's winner once: the waiting contacts follow it", async () => {
      s = await testServer(name);
      const p = await setUp("shop", PEOPLE);
      const id = await activeCampaign(p, AX_TEST);
      await p.call("POST", `/campaigns/${id}/launch`);
      await s.ctx.engine.tick();
      expect((await s.store.heldTokens(id, "s1")).length).toBe(4);
      const bad = await p.call("POST", `/campaigns/${id}/winners/s1`, { variant: "C" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors).toEqual([{ path: "body.variant", message: "one of A, B" }]);
      expect((await p.call("POST", `/campaigns/${id}/winners/a1`, { variant: "A" })).statusCode).toBe(400);
      const win = await p.call("POST", `/campaigns/${id}/winners/s1`, { variant: "B" });
      expect(win.statusCode, win.body).toBe(200);
      expect(win.json()).toEqual({ element: "s1", variant: "B", contacts: 4 });
      await s.ctx.engine.tick();
      const subjects = (await s.store.campaignMessages(id)).map((m) => m.payload.subject);
      expect(subjects.filter((x) => x === "Version A")).toHaveLength(2);
      expect(subjects.filter((x) => x === "Version B")).toHaveLength(6);
      const again = await p.call("POST", `/campaigns/${id}/winners/s1`, { variant: "A" });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe("winner_chosen");
    });

    it("answers 404 for another project's campaign and writes nothing", async () => {
      s = await testServer(name);
      const a = await setUp("a");
      const b = await setUp("b", []);
      const id = await activeCampaign(a, API);
      const before = JSON.stringify(await s.store.getCampaign(id));
      const calls: [string, string, unknown?][] = [
        ["GET", ""], ["PUT", "", { document: API }], ["DELETE", ""], ["POST", "/validate"], ["POST", "/pause"], ["POST", "/resume", { overdue: "now" }],
        ["POST", "/stop"], ["POST", "/duplicate"], ["GET", "/export"], ["GET", "/versions"], ["POST", "/launch"],
        ["POST", "/entries", { contact: "ann@example.com" }], ["POST", "/approvals/w1", { decision: "approve" }], ["POST", "/winners/s1", { variant: "A" }],
      ];
      for (const [method, path, body] of calls) {
        const r = await b.call(method, `/campaigns/${id}${path}`, body);
        expect(r.statusCode, `${method} ${path}`).toBe(404);
        expect(r.json().detail).toBe(`campaign ${id} not found`);
      }
      expect(JSON.stringify(await s.store.getCampaign(id))).toBe(before);
      expect((await s.store.listCampaigns("b"))).toEqual([]);
      expect(await s.store.journeys(id)).toEqual([]);
    });

    it("rejects unknown fields and wrong types with their paths, and writes nothing", async () => {
      s = await testServer(name);
      const p = await setUp();
      const cases: [unknown, string[]][] = [
        [{ document: WAIT, colour: "blue" }, ["body"]],
        [{ document: { ...WAIT, colour: "blue" } }, ["body.document"]],
        [{ document: { ...WAIT, elements: [{ id: "t1", type: "trigger.manual", params: {}, parms: {} }] } }, ["body.document.elements.0"]],
        [{ document: { ...WAIT, elements: [{ id: 5, type: "trigger.manual" }] } }, ["body.document.elements.0.id"]],
        [{ document: { ...WAIT, reentry: "sometimes" } }, ["body.document.reentry"]],
        [{ document: { ...WAIT, connections: [{ from: "t1", to: "a1" }] } }, ["body.document.connections.0.exit"]],
        [{ document: WAIT, seed: -1 }, ["body.seed"]],
        [{}, ["body.document"]],
      ];
      for (const [body, paths] of cases) {
        const r = await p.call("POST", "/campaigns", body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json().code).toBe("invalid_input");
        expect(r.json().errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
      }
      expect(await s.store.listCampaigns(p.id)).toEqual([]);

      const id = await create(p, WAIT);
      const before = JSON.stringify(await s.store.getCampaign(id));
      expect((await p.call("PUT", `/campaigns/${id}`, { document: { ...WAIT, id: "other" } })).statusCode).toBe(400);
      expect((await p.call("PUT", `/campaigns/${id}`, { document: WAIT, migrations: {} })).statusCode).toBe(400);
      expect((await p.call("PUT", `/campaigns/${id}`, { document: { ...WAIT, elements: "none" } })).statusCode).toBe(400);
      expect((await p.call("POST", "/templates", { name: "", document: WAIT })).statusCode).toBe(400);
      expect((await p.call("POST", "/campaigns/import", { relais: "workflow", version: 1, document: WAIT })).statusCode).toBe(400);
      expect((await p.call("POST", "/campaigns/import", { relais: "campaign", version: 1, document: WAIT, exportedBy: "me" })).statusCode).toBe(400);
      expect(JSON.stringify(await s.store.getCampaign(id))).toBe(before);
      expect((await p.call("GET", "/templates")).json().templates).toEqual([]);
      expect(await s.store.listCampaigns(p.id)).toHaveLength(1);
    });

    it("describes every campaign route in the OpenAPI document", async () => {
      s = await testServer(name);
      const paths = Object.keys((await s.call("GET", "/docs/json", {})).json().paths);
      for (const path of [
        "/api/v1/projects/{projectId}/campaigns", "/api/v1/projects/{projectId}/campaigns/import", "/api/v1/projects/{projectId}/campaigns/{campaignId}",
        "/api/v1/projects/{projectId}/campaigns/{campaignId}/resume", "/api/v1/projects/{projectId}/campaigns/{campaignId}/winners/{elementId}",
        "/api/v1/projects/{projectId}/templates/{templateId}/campaigns",
      ]) expect(paths).toContain(path);
    });
  });
}
