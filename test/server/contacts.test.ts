import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument, hasErrors, validateCampaign, type CampaignDocumentInput } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
type Auth = Record<string, string>;

/** A project whose contacts have an email key, a few typed fields, consents, groups and a purchases table. */
async function setUp(s: TestServer, id = "shop") {
  const p = await s.project({ id });
  await s.ctx.projects.updateConfig(p.id, (c) => ({
    ...c,
    fields: [
      ...c.fields,
      { key: "firstName", type: "text", category: "general" },
      { key: "age", type: "number", category: "general" },
      { key: "vip", type: "boolean", category: "general" },
      { key: "birthday", type: "date", category: "general" },
      { key: "mobile", type: "phone", category: "general" },
    ],
    communicationTypes: [
      { key: "newsletter", channel: "email" },
      { key: "promos", channel: "sms" },
      { key: "receipts", channel: "email", administrative: true },
    ],
    groups: [{ key: "staff" }, { key: "beta" }],
    destinations: [{ key: "crm", type: "sftp" }],
    tables: [{ key: "purchases", columns: [{ key: "sku", type: "text" }, { key: "amount", type: "number" }, { key: "at", type: "datetime" }] }],
  }));
  const url = (path = "") => `/api/v1/projects/${p.id}/contacts${path}`;
  return { ...p, url };
}

const HELLO = { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Hello", html: "<p>Hello</p>" } } };

/** Saves and activates a campaign that starts on `trigger`, goes through `middle` (an email by default) and ends. */
async function activate(s: TestServer, projectId: string, id: string, trigger: { type: string; params: Record<string, unknown> }, middle: CampaignDocumentInput["elements"] = [HELLO]) {
  const ids = ["t1", ...middle.map((e) => e.id), "e1"];
  const doc = CampaignDocument.parse({
    id, name: id,
    elements: [{ id: "t1", ...trigger }, ...middle, { id: "e1", type: "end.success", params: {} }],
    connections: ids.slice(0, -1).map((from, i) => ({ from, exit: "next", to: ids[i + 1]! })),
  });
  const config = (await s.store.getProject(projectId))!;
  const findings = validateCampaign(doc, config);
  expect(hasErrors(findings), JSON.stringify(findings)).toBe(false);
  await s.ctx.engine.saveCampaign(projectId, doc);
  await s.ctx.engine.activate(doc.id);
}

async function entered(s: TestServer, campaignId: string): Promise<string[]> {
  await s.ctx.engine.tick();
  return (await s.store.journeys(campaignId)).map((j) => j.contactId).sort();
}

async function create(s: TestServer, auth: Auth, url: string, body: Record<string, unknown>) {
  const r = await s.call("POST", url, auth, body);
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}

/** Every row of every table of the store, as text: what an erasure must leave no trace in. */
async function everything(s: TestServer): Promise<Record<string, string>> {
  const tables = s.store.dialect === "sqlite"
    ? await s.store.execute("SELECT name FROM sqlite_master WHERE type = 'table'", [])
    : await s.store.execute("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'", []);
  const out: Record<string, string> = {};
  for (const t of tables) out[String(t.name)] = JSON.stringify(await s.store.execute(`SELECT * FROM ${String(t.name)}`, [])).toLowerCase();
  return out;
}

for (const { name } of SERVER_STORES) {
  describe(`contacts (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("creates a contact named by its normalized unique key and reads it back by that key, whatever its case", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      const made = await create(s, p.auth, p.url(), {
        fields: { email: "  Ann@Example.COM ", firstName: "Ann", age: 41, mobile: "514 555 0101", birthday: "1985-02-28" },
        subscriptions: { newsletter: true, promos: false },
        groups: ["staff"],
      });
      expect(made.id).toBe("ann@example.com");
      const r = await s.call("GET", p.url("/ANN%40example.com"), p.auth);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({
        id: "ann@example.com", status: "active", createdAt: T0,
        fields: { email: "ann@example.com", firstName: "Ann", age: 41, mobile: "+15145550101", birthday: "1985-02-28" },
        subscriptions: { newsletter: { subscribed: true, at: T0, source: "api" }, promos: { subscribed: false, at: null, source: null } },
        groups: ["staff"],
      });
      const history = await s.call("GET", p.url("/ann@example.com/subscriptions/history"), p.auth);
      expect(history.json().history).toEqual([{ communicationType: "newsletter", subscribed: true, at: T0, source: "api" }]);
    });

    it("refuses to create a contact whose key exists, and upserts by key saying whether it created or updated", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com", firstName: "Ann", age: 41 } });
      const again = await s.call("POST", p.url(), p.auth, { fields: { email: "ANN@example.com" } });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe("conflict");
      expect(again.json().detail).toContain("ann@example.com");

      const updated = await s.call("PUT", p.url(), p.auth, { fields: { email: "ann@example.com", firstName: "Annie" }, groups: ["beta"] });
      expect(updated.statusCode).toBe(200);
      expect(updated.json().created).toBe(false);
      expect(updated.json().contact.fields).toEqual({ email: "ann@example.com", firstName: "Annie", age: 41 });
      expect(updated.json().contact.groups).toEqual(["beta"]);

      const made = await s.call("PUT", p.url(), p.auth, { fields: { email: "bob@example.com" } });
      expect(made.statusCode).toBe(201);
      expect(made.json()).toMatchObject({ created: true, contact: { id: "bob@example.com", status: "active" } });
    });

    it("refuses bad input on every write route with the path and a clear message, and writes nothing", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com", firstName: "Ann", age: 41 }, subscriptions: { newsletter: true } });
      await s.call("POST", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { sku: "A1", amount: 10 } });
      const before = (await s.call("GET", p.url("/ann@example.com"), p.auth)).json();
      const snapshot = async () => ({
        contact: (await s.call("GET", p.url("/ann@example.com"), p.auth)).json(),
        rows: (await s.call("GET", p.url("/ann@example.com/tables/purchases"), p.auth)).json().rows,
        history: (await s.call("GET", p.url("/ann@example.com/subscriptions/history"), p.auth)).json().history,
        all: (await s.call("GET", p.url(), p.auth)).json().total,
      });
      const start = await snapshot();
      const refused = async (method: string, path: string, body: unknown, paths: string[], says: string) => {
        const r = await s.call(method, p.url(path), p.auth, body);
        expect(r.statusCode, `${method} ${path}: ${r.body}`).toBe(400);
        expect(r.json().code).toBe("invalid_input");
        expect(r.json().errors.map((e: { path: string }) => e.path).sort()).toEqual([...paths].sort());
        expect(r.json().detail).toContain(says);
        expect(await snapshot()).toEqual(start);
      };

      await refused("POST", "", { fields: { email: "new@example.com", age: "old", colour: "blue" } }, ["body.fields.age", "body.fields.colour"], "unknown field colour");
      await refused("POST", "", { fields: { firstName: "Nobody" } }, ["body.fields.email"], "the unique key email is required");
      await refused("POST", "", { fields: { email: "not an email" } }, ["body.fields.email"], "is not an email address");
      await refused("POST", "", { fields: { email: "new@example.com" }, subscriptions: { weekly: true } }, ["body.subscriptions.weekly"], "unknown communication type weekly");
      await refused("POST", "", { fields: { email: "new@example.com" }, subscriptions: { receipts: true } }, ["body.subscriptions.receipts"], "administrative");
      await refused("POST", "", { fields: { email: "new@example.com" }, groups: ["staff", "gold"] }, ["body.groups.1"], "unknown group gold");
      await refused("POST", "", { fields: { email: "new@example.com" }, tags: ["x"] }, ["body"], "tags");
      await refused("PUT", "", { fields: { email: "ann@example.com", age: "41", vip: "yes" } }, ["body.fields.age", "body.fields.vip"], "expected a number");
      await refused("PATCH", "/ann@example.com", { fields: { birthday: "1985-02-30" } }, ["body.fields.birthday"], "expected a date");
      await refused("PATCH", "/ann@example.com", { fields: { email: "other@example.com", firstName: "X" } }, ["body.fields.email"], "cannot be changed");
      await refused("PUT", "/ann@example.com/subscriptions/weekly", { subscribed: true }, ["params.communicationType"], "unknown communication type weekly");
      await refused("PUT", "/ann@example.com/subscriptions/receipts", { subscribed: false }, ["params.communicationType"], "administrative");
      await refused("PUT", "/ann@example.com/subscriptions/newsletter", { subscribed: "no" }, ["body.subscribed"], "body.subscribed");
      await refused("PUT", "/ann@example.com/groups/gold", undefined, ["params.group"], "unknown group gold");
      await refused("POST", "/ann@example.com/tables/purchases", { row: { sku: "B2", price: 3, amount: "ten" } }, ["body.row.price", "body.row.amount"], "unknown column price");
      await refused("POST", "/ann@example.com/tables/visits", { row: { url: "/" } }, ["params.table"], "unknown profiling table visits");
      await refused("PUT", "/ann@example.com/tables/purchases", { row: { amount: 12 } }, ["body.row"], "the table's first column");
      await refused("PUT", "/ann@example.com/tables/purchases", { row: { amount: 12 }, match: { sku: "A1", amount: 10 } }, ["body.match"], "exactly one column");
      await refused("POST", "/search", { rule: { all: [{ field: "age", operator: "greaterThan", value: 3 }, { field: "shoeSize", operator: "isEmpty" }] } }, ["body.rule.all.1.field"], "unknown field shoeSize");
      await refused("POST", "/search", { rule: { table: "purchases", quantifier: "any", where: { field: "colour", operator: "isEmpty" } } }, ["body.rule.where.field"], "unknown column colour");
      await refused("GET", "?cursor=%%%", undefined, ["querystring.cursor"], "cursor");
      expect((await snapshot()).contact).toEqual(before);
    });

    it("answers 404 for a contact of another project and for a key no contact has", async () => {
      s = await testServer(name);
      const a = await setUp(s, "a");
      const b = await setUp(s, "b");
      await create(s, a.auth, a.url(), { fields: { email: "ann@example.com" } });
      const ann = "/ann@example.com";
      const calls: [string, string, unknown?][] = [
        ["GET", ann], ["PATCH", ann, { fields: { firstName: "X" } }], ["DELETE", ann], ["POST", `${ann}/deactivate`], ["POST", `${ann}/reactivate`],
        ["PUT", `${ann}/subscriptions/newsletter`, { subscribed: true }], ["GET", `${ann}/subscriptions/history`],
        ["PUT", `${ann}/groups/staff`], ["DELETE", `${ann}/groups/staff`], ["GET", `${ann}/tables/purchases`],
        ["POST", `${ann}/tables/purchases`, { row: { sku: "A" } }], ["PUT", `${ann}/tables/purchases`, { row: { sku: "A" } }],
      ];
      for (const [method, path, body] of calls) {
        const r = await s.call(method, b.url(path), b.auth, body);
        expect(r.statusCode, `${method} ${path}`).toBe(404);
        expect(r.json().code).toBe("not_found");
        expect(r.json().detail).toBe("contact not found");
      }
      // A's key on B's project learns nothing about B.
      expect((await s.call("GET", b.url(ann), a.auth)).statusCode).toBe(404);
      expect((await s.call("GET", a.url("/not-an-email"), a.auth)).statusCode).toBe(404);
      expect((await s.call("GET", a.url(ann), a.auth)).json().fields).toEqual({ email: "ann@example.com" });
    });

    it("makes a created contact enter an active campaign that starts on trigger.contactCreated", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "welcome", { type: "trigger.contactCreated", params: {} });
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" } });
      await s.call("PUT", p.url(), p.auth, { fields: { email: "bob@example.com" } });
      await s.call("PUT", p.url(), p.auth, { fields: { email: "ann@example.com", firstName: "Ann" } });
      expect(await entered(s, "welcome")).toEqual(["ann@example.com", "bob@example.com"]);
    });

    it("makes a contact that subscribes enter a trigger.contactSubscribed campaign, and logs only real consent changes", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "hello", { type: "trigger.contactSubscribed", params: { communicationTypes: ["newsletter"] } });
      await activate(s, p.id, "bye", { type: "trigger.contactUnsubscribed", params: {} });
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" } });
      await create(s, p.auth, p.url(), { fields: { email: "cy@example.com" }, subscriptions: { newsletter: true } });
      await create(s, p.auth, p.url(), { fields: { email: "dee@example.com" }, subscriptions: { promos: true } });
      expect(await entered(s, "hello")).toEqual(["cy@example.com"]);

      s.clock.set(T0 + 60_000);
      const sub = await s.call("PUT", p.url("/ann@example.com/subscriptions/newsletter"), p.auth, { subscribed: true, source: "signup-form" });
      expect(sub.statusCode).toBe(200);
      expect(sub.json().changed).toBe(true);
      expect(sub.json().contact.subscriptions.newsletter).toEqual({ subscribed: true, at: T0 + 60_000, source: "signup-form" });
      const same = await s.call("PUT", p.url("/ann@example.com/subscriptions/newsletter"), p.auth, { subscribed: true });
      expect(same.json().changed).toBe(false);
      expect(await entered(s, "hello")).toEqual(["ann@example.com", "cy@example.com"]);

      s.clock.set(T0 + 120_000);
      await s.call("PUT", p.url("/ann@example.com/subscriptions/newsletter"), p.auth, { subscribed: false });
      expect(await entered(s, "bye")).toEqual(["ann@example.com"]);
      const history = (await s.call("GET", p.url("/ann@example.com/subscriptions/history"), p.auth)).json().history;
      expect(history).toEqual([
        { communicationType: "newsletter", subscribed: true, at: T0 + 60_000, source: "signup-form" },
        { communicationType: "newsletter", subscribed: false, at: T0 + 120_000, source: "api" },
      ]);
    });

    it("makes a contact whose watched field changes enter a trigger.contactUpdated campaign, and not for other fields", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "birthday", { type: "trigger.contactUpdated", params: { fields: ["birthday"] } });
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com", birthday: "1985-02-28" } });
      await create(s, p.auth, p.url(), { fields: { email: "bob@example.com", birthday: "1990-01-01" } });
      const other = await s.call("PATCH", p.url("/ann@example.com"), p.auth, { fields: { firstName: "Ann", email: "ANN@example.com" } });
      expect(other.statusCode).toBe(200);
      expect(other.json().fields).toEqual({ email: "ann@example.com", birthday: "1985-02-28", firstName: "Ann" });
      await s.call("PATCH", p.url("/bob@example.com"), p.auth, { fields: { birthday: "1990-01-01" } });
      expect(await entered(s, "birthday")).toEqual([]);
      const changed = await s.call("PATCH", p.url("/ann@example.com"), p.auth, { fields: { birthday: "1985-03-01" } });
      expect(changed.json().fields.birthday).toBe("1985-03-01");
      expect(await entered(s, "birthday")).toEqual(["ann@example.com"]);
    });

    it("adds and updates a contact's profiling-table rows, firing trigger.profilingTable", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "bought", { type: "trigger.profilingTable", params: { table: "purchases", on: ["insert"] } });
      await activate(s, p.id, "changed", { type: "trigger.profilingTable", params: { table: "purchases", on: ["update"] } });
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" } });
      const added = await s.call("POST", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { sku: "A1", amount: 10, at: "2026-11-30T10:00:00-05:00" } });
      expect(added.statusCode).toBe(201);
      expect(added.json()).toEqual({ table: "purchases", rows: [{ sku: "A1", amount: 10, at: "2026-11-30T15:00:00.000Z" }] });
      await s.call("POST", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { sku: "B2", amount: 5 } });
      expect(await entered(s, "bought")).toEqual(["ann@example.com"]);
      expect(await entered(s, "changed")).toEqual([]);

      // By default the table's first column (sku) says which row an update changes.
      const byFirst = await s.call("PUT", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { amount: 12, sku: "A1" } });
      expect(byFirst.statusCode).toBe(200);
      const byMatch = await s.call("PUT", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { sku: "B3" }, match: { amount: 5 } });
      expect(byMatch.json().rows).toEqual([{ sku: "A1", amount: 12, at: "2026-11-30T15:00:00.000Z" }, { sku: "B3", amount: 5 }]);
      // No row matches: the update adds it.
      const inserted = await s.call("PUT", p.url("/ann@example.com/tables/purchases"), p.auth, { row: { sku: "C3", amount: 1 } });
      expect(inserted.json().rows).toHaveLength(3);
      expect(await entered(s, "changed")).toEqual(["ann@example.com"]);
      const rows = await s.call("GET", p.url("/ann@example.com/tables/purchases"), p.auth);
      expect(rows.json().rows.map((r: { sku: string }) => r.sku)).toEqual(["A1", "B3", "C3"]);
    });

    it("adds a contact to the project's groups and removes it, saying whether anything changed", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" } });
      const add = await s.call("PUT", p.url("/ann@example.com/groups/staff"), p.auth);
      expect(add.json()).toMatchObject({ changed: true, contact: { groups: ["staff"] } });
      expect((await s.call("PUT", p.url("/ann@example.com/groups/staff"), p.auth)).json().changed).toBe(false);
      await s.call("PUT", p.url("/ann@example.com/groups/beta"), p.auth);
      const removed = await s.call("DELETE", p.url("/ann@example.com/groups/staff"), p.auth);
      expect(removed.json()).toMatchObject({ changed: true, contact: { groups: ["beta"] } });
      expect((await s.call("DELETE", p.url("/ann@example.com/groups/staff"), p.auth)).json().changed).toBe(false);
    });

    it("keeps a deactivated contact out of campaigns until it is reactivated", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "hello", { type: "trigger.contactSubscribed", params: {} });
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" } });
      const off = await s.call("POST", p.url("/ann@example.com/deactivate"), p.auth);
      expect(off.json().status).toBe("deactivated");
      await s.call("PUT", p.url("/ann@example.com/subscriptions/newsletter"), p.auth, { subscribed: true });
      expect(await entered(s, "hello")).toEqual([]);
      const on = await s.call("POST", p.url("/ann@example.com/reactivate"), p.auth);
      expect(on.json().status).toBe("active");
      await s.call("PUT", p.url("/ann@example.com/subscriptions/promos"), p.auth, { subscribed: true });
      expect(await entered(s, "hello")).toEqual(["ann@example.com"]);
      const deactivated = await s.call("GET", `${p.url()}?status=deactivated`, p.auth);
      expect(deactivated.json()).toEqual({ contacts: [], next: null, total: 0 });
    });

    it("pages through every contact exactly once, in id order, with the total", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      const emails = Array.from({ length: 23 }, (_, i) => `c${String((i * 7) % 23).padStart(2, "0")}@example.com`);
      for (const email of emails) await create(s, p.auth, p.url(), { fields: { email } });
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const r = await s.call("GET", `${p.url()}?limit=5${cursor ? `&cursor=${cursor}` : ""}`, p.auth);
        expect(r.statusCode).toBe(200);
        expect(r.json().total).toBe(23);
        seen.push(...r.json().contacts.map((c: { id: string }) => c.id));
        cursor = r.json().next;
        if (!cursor) break;
      }
      expect(seen).toEqual([...emails].sort());
      expect((await s.call("GET", `${p.url()}?limit=1001`, p.auth)).statusCode).toBe(400);
    });

    it("searches with a rule over more contacts than one chunk, every match exactly once across pages", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      // Written straight to the store: the API would take long for 2,500 contacts, and only the search is under test.
      const inputs = Array.from({ length: 2500 }, (_, i) => ({
        id: `c${String(i).padStart(4, "0")}@example.com`,
        fields: { email: `c${String(i).padStart(4, "0")}@example.com`, age: i % 100 },
        tables: i % 500 === 0 ? { purchases: [{ sku: "GOLD", amount: 100 }] } : ({} as Record<string, Record<string, unknown>[]>),
      }));
      await s.store.transaction(() => s.store.upsertContacts(p.id, inputs, T0));
      const expected = inputs.filter((c) => c.fields.age >= 97).map((c) => c.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const r = await s.call("POST", p.url("/search"), p.auth, { rule: { field: "age", operator: "greaterOrEqual", value: 97 }, limit: 20, ...(cursor ? { cursor } : {}) });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json().total).toBeUndefined();
        seen.push(...r.json().contacts.map((c: { id: string }) => c.id));
        cursor = r.json().next ?? undefined;
        if (!cursor) break;
      }
      expect(seen).toEqual(expected);
      const gold = await s.call("POST", p.url("/search"), p.auth, { rule: { table: "purchases", quantifier: "any", where: { field: "sku", operator: "equals", value: "GOLD" } } });
      expect(gold.json().contacts.map((c: { id: string }) => c.id)).toEqual(["c0000@example.com", "c0500@example.com", "c1000@example.com", "c1500@example.com", "c2000@example.com"]);
      expect(gold.json().next).toBeNull();
    });

    it("erases a contact's personal data from every table, keeps the counts, and frees its key", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "welcome", { type: "trigger.contactCreated", params: {} }, [
        { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Bonjour {{ contact.firstName }}", html: "<p>{{ contact.email }}</p>" } } },
        { id: "x1", type: "action.exportData", params: { destination: "crm", path: "exports/new.csv", fields: ["firstName", "mobile"] } },
      ]);
      await create(s, p.auth, p.url(), {
        fields: { email: "Zephyrine@Example.com", firstName: "Zephyrine", mobile: "514 555 0199" },
        subscriptions: { newsletter: true }, groups: ["staff"],
      });
      await create(s, p.auth, p.url(), { fields: { email: "bob@example.com", firstName: "Bob" }, subscriptions: { newsletter: true } });
      await s.call("POST", p.url("/zephyrine@example.com/tables/purchases"), p.auth, { row: { sku: "A1", amount: 10 } });
      await s.ctx.engine.tick();
      expect(await s.ctx.engine.messageEvent("welcome", "a1", "zephyrine@example.com", "clicked", { url: "https://shop.example/?u=zephyrine@example.com" })).toBe(true);
      await s.store.transaction(() => s.store.markBounced(p.id, "zephyrine@example.com", T0));
      const before = await everything(s);
      expect(before.messages).toContain("zephyrine");
      expect(before.file_rows).toContain("+15145550199");

      const r = await s.call("DELETE", p.url("/ZEPHYRINE@example.com"), p.auth);
      expect(r.statusCode).toBe(200);
      const after = await everything(s);
      for (const [table, text] of Object.entries(after)) {
        for (const trace of ["zephyrine", "5145550199"]) expect(text, `${table} still holds ${trace}`).not.toContain(trace);
      }
      expect(after.messages).toContain("bob@example.com");
      expect((await s.store.campaignFiles("welcome"))[0]!.rows).toEqual([{ firstName: "Bob", mobile: "" }]);

      // The counts stay: two journeys, two sent messages, the click.
      const journeys = await s.store.journeys("welcome");
      expect(journeys).toHaveLength(2);
      expect(journeys.map((j) => j.contactId).sort()[1]).toMatch(/^erased-[0-9a-f-]{36}$/);
      const messages = await s.store.campaignMessages("welcome");
      expect(messages.map((m) => m.status)).toEqual(["sent", "sent"]);
      expect(messages.filter((m) => m.clickedAt !== null)).toHaveLength(1);
      expect(await s.store.elementStats("welcome")).toContainEqual({ element: "a1", exit: "next", n: 2 });

      expect((await s.call("GET", p.url("/zephyrine@example.com"), p.auth)).statusCode).toBe(404);
      const list = await s.call("GET", p.url(), p.auth);
      expect(list.json().contacts.map((c: { id: string }) => c.id)).toEqual(["bob@example.com"]);
      expect(list.json().total).toBe(1);
      const again = await s.call("POST", p.url(), p.auth, { fields: { email: "zephyrine@example.com" } });
      expect(again.statusCode).toBe(201);
      expect(again.json().subscriptions.newsletter).toEqual({ subscribed: false, at: null, source: null });
      expect(await entered(s, "welcome")).toHaveLength(3);
    });

    it("discards the messages an erased contact was still to be sent", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      await activate(s, p.id, "approved", { type: "trigger.contactCreated", params: {} }, [
        { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", requestApproval: true, message: { subject: "Hi", html: "<p>Hi</p>" } } },
        { id: "w1", type: "delay.approval", params: {} },
      ]);
      await create(s, p.auth, p.url(), { fields: { email: "ann@example.com" }, subscriptions: { newsletter: true } });
      await s.ctx.engine.tick();
      expect((await s.store.campaignMessages("approved")).map((m) => m.status)).toEqual(["pendingApproval"]);
      await s.call("DELETE", p.url("/ann@example.com"), p.auth);
      const [m] = await s.store.campaignMessages("approved");
      expect({ status: m!.status, reason: m!.reason, payload: m!.payload }).toEqual({ status: "discarded", reason: "erased", payload: {} });
    });

    it("documents every contacts route in OpenAPI with its tag and summary", async () => {
      s = await testServer(name);
      const doc = (await s.call("GET", "/docs/json", {})).json();
      const ops = Object.values(doc.paths as Record<string, Record<string, { tags?: string[]; summary?: string }>>)
        .flatMap((methods) => Object.values(methods))
        .filter((op) => op.tags?.includes("contacts"));
      expect(ops).toHaveLength(18);
      for (const op of ops) expect(op.summary).toBeTruthy();
    });
  });
}
