import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument, validateCampaign, hasErrors } from "../../src/model/index.js";
import { decryptSecret, encryptSecret, getSecret, SecretError } from "../../src/server/secrets.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const HOST_KEY = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
const PASSWORD = "s3cret-Passw0rd-never-shown";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-unique-key-material\n-----END OPENSSH PRIVATE KEY-----\n";

type Auth = Record<string, string>;

/** A project with the configuration the live campaign below names, and three contacts. */
async function setup(s: TestServer, id = "shop") {
  const p = await s.project({ id });
  const base = `/api/v1/projects/${id}`;
  const ok = async (method: string, url: string, body: unknown, status = 201) => {
    const r = await s.call(method, `${base}${url}`, p.auth, body);
    expect(r.statusCode, r.body).toBe(status);
    return r.json();
  };
  await ok("POST", "/fields", { key: "city", type: "text" });
  await ok("POST", "/fields", { key: "age", type: "number", category: "general" });
  await ok("POST", "/fields", { key: "language", type: "text" });
  await ok("POST", "/communication-types", { key: "newsletter", channel: "email" });
  await ok("POST", "/groups", { key: "vip" });
  await ok("POST", "/tables", { key: "orders", columns: [{ key: "sku", type: "text" }, { key: "amount", type: "number" }] });
  await ok("POST", "/personas", { key: "francophones", rule: { field: "language", operator: "equals", value: "fr" } });
  await ok("POST", "/promo-banks", { key: "spring" });
  await ok("POST", "/destinations", { key: "warehouse", host: "sftp.example.com", username: "relais", hostKey: HOST_KEY, auth: { password: PASSWORD } });
  await s.store.transaction(() => s.store.upsertContacts(id, [
    { id: "ann@example.com", fields: { email: "ann@example.com", city: "Montréal", language: "fr", age: 30 }, subscriptions: { newsletter: true }, groups: ["vip"] },
    { id: "bob@example.com", fields: { email: "bob@example.com", city: "Québec", language: "en" }, subscriptions: { newsletter: false }, groups: [] },
    { id: "cy@example.com", fields: { email: "cy@example.com", language: "fr" }, status: "deactivated", groups: ["vip"] },
  ], s.clock.now()));
  return { ...p, base, ok };
}

/** A campaign naming a field, a group, a persona, a communication type, a promo bank and a destination. */
function liveCampaign(id = "welcome") {
  return CampaignDocument.parse({
    id, name: "Welcome",
    elements: [
      { id: "t1", type: "trigger.manual", params: {} },
      { id: "k1", type: "condition.profile", params: { field: "city", operator: "isNotEmpty" } },
      { id: "k2", type: "condition.groups", params: { groups: ["vip"] } },
      { id: "k3", type: "condition.personas", params: { personas: ["francophones"] } },
      { id: "p1", type: "action.grantPromoCode", params: { bank: "spring" } },
      { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Your code {{ promo.code }}", html: "<p>{{ promo.code }}</p>" } } },
      { id: "x1", type: "action.exportData", params: { destination: "warehouse", path: "out.csv", fields: ["email"] } },
      { id: "e1", type: "end.success", params: {} },
      { id: "e2", type: "end.neutral", params: {} },
    ],
    connections: [
      { from: "t1", exit: "next", to: "k1" },
      { from: "k1", exit: "true", to: "k2" }, { from: "k1", exit: "false", to: "e2" },
      { from: "k2", exit: "true", to: "k3" }, { from: "k2", exit: "false", to: "e2" },
      { from: "k3", exit: "true", to: "p1" }, { from: "k3", exit: "false", to: "e2" },
      { from: "p1", exit: "next", to: "a1" },
      { from: "a1", exit: "next", to: "x1" },
      { from: "x1", exit: "next", to: "e1" },
    ],
  });
}

async function activate(s: TestServer, projectId: string, doc = liveCampaign()) {
  const config = (await s.store.getProject(projectId))!;
  expect(hasErrors(validateCampaign(doc, config, { lang: "en" }))).toBe(false);
  await s.ctx.engine.saveCampaign(projectId, doc);
  await s.ctx.engine.activate(doc.id);
}

async function configOf(s: TestServer, projectId: string) {
  return (await s.store.getProject(projectId))!;
}

for (const { name } of SERVER_STORES) {
  describe(`project configuration (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    describe("fields", () => {
      it("lists the fields, adds one, and changes its category", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const list = await s.call("GET", `${p.base}/fields`, p.auth);
        expect(list.statusCode).toBe(200);
        expect(list.json().fields).toEqual([
          { key: "email", type: "email", category: "uniqueKey" },
          { key: "city", type: "text", category: "general" },
          { key: "age", type: "number", category: "general" },
          { key: "language", type: "text", category: "general" },
        ]);
        expect(await p.ok("POST", "/fields", { key: "customerNo", type: "text", category: "administrative" })).toEqual({ key: "customerNo", type: "text", category: "administrative" });
        const patched = await s.call("PATCH", `${p.base}/fields/age`, p.auth, { category: "subscription" });
        expect(patched.statusCode).toBe(200);
        expect(patched.json()).toEqual({ key: "age", type: "number", category: "subscription" });
        expect((await configOf(s, "shop")).fields.find((f) => f.key === "age")?.category).toBe("subscription");
      });

      it("refuses bad keys, unknown body fields, duplicate keys and the uniqueKey category, and changes nothing", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const before = await configOf(s, "shop");
        const badKey = await s.call("POST", `${p.base}/fields`, p.auth, { key: "1st-name", type: "text" });
        expect(badKey.statusCode).toBe(400);
        expect(badKey.json().errors[0].path).toBe("body.key");
        const unknown = await s.call("POST", `${p.base}/fields`, p.auth, { key: "nick", type: "text", colour: "blue" });
        expect(unknown.statusCode).toBe(400);
        expect(unknown.json().detail).toContain("colour");
        const badType = await s.call("POST", `${p.base}/fields`, p.auth, { key: "nick", type: "string" });
        expect(badType.statusCode).toBe(400);
        expect(badType.json().errors[0].path).toBe("body.type");
        const dup = await s.call("POST", `${p.base}/fields`, p.auth, { key: "City", type: "text" });
        expect(dup.statusCode).toBe(409);
        expect(dup.json().detail).toContain("city exists already");
        const uk = await s.call("POST", `${p.base}/fields`, p.auth, { key: "customerId", type: "text", category: "uniqueKey" });
        expect(uk.statusCode).toBe(400);
        expect(uk.json().detail).toContain("unique key is fixed");
        expect(await configOf(s, "shop")).toEqual(before);
      });

      it("refuses to change a field's type, saying why, and never touches the unique key", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const retype = await s.call("PATCH", `${p.base}/fields/age`, p.auth, { type: "text" });
        expect(retype.statusCode).toBe(409);
        expect(retype.json().detail).toMatch(/type of field age cannot change \(number → text\).*values already stored/);
        const ukCategory = await s.call("PATCH", `${p.base}/fields/email`, p.auth, { category: "general" });
        expect(ukCategory.statusCode).toBe(409);
        const ukDelete = await s.call("DELETE", `${p.base}/fields/email`, p.auth);
        expect(ukDelete.statusCode).toBe(409);
        expect(ukDelete.json().detail).toContain("can never be deleted");
        expect((await s.call("DELETE", `${p.base}/fields/nope`, p.auth)).statusCode).toBe(404);
      });

      it("deletes a field and its values from every contact", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await p.ok("POST", "/fields", { key: "nickname", type: "text" });
        await s.store.transaction(() => s.store.upsertContacts("shop", [{ id: "ann@example.com", fields: { nickname: "Annie" } }], s.clock.now()));
        expect((await s.call("DELETE", `${p.base}/fields/nickname`, p.auth)).statusCode).toBe(200);
        expect((await configOf(s, "shop")).fields.map((f) => f.key)).not.toContain("nickname");
        const ann = await s.store.findContact("shop", "ann@example.com");
        expect(ann?.fields).toEqual({ email: "ann@example.com", city: "Montréal", language: "fr", age: 30 });
      });

      it("refuses to delete a field a live campaign or a persona uses, naming them, and keeps the field and its values", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await activate(s, "shop");
        const r = await s.call("DELETE", `${p.base}/fields/city`, p.auth);
        expect(r.statusCode).toBe(409);
        const body = r.json();
        expect(body.code).toBe("in_use");
        expect(body.detail).toContain("“Welcome” (welcome, active)");
        expect(body.usedBy.campaigns).toEqual([{ id: "welcome", name: "Welcome", status: "active" }]);
        expect(body.errors[0].path).toBe("campaigns.welcome.elements.k1.params.field");
        expect((await configOf(s, "shop")).fields.map((f) => f.key)).toContain("city");
        expect((await s.store.findContact("shop", "ann@example.com"))?.fields.city).toBe("Montréal");

        const persona = await s.call("DELETE", `${p.base}/fields/language`, p.auth);
        expect(persona.statusCode).toBe(409);
        expect(persona.json().usedBy.personas).toEqual(["francophones"]);
        expect(persona.json().errors[0]).toEqual({ path: "personas.francophones.rule.field", message: "unknown field language" });
      });

      it("refuses to make a field a live campaign sets not editable", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const doc = CampaignDocument.parse({
          id: "tag", name: "Tag city",
          elements: [
            { id: "t1", type: "trigger.manual", params: {} },
            { id: "u1", type: "action.updateContacts", params: { set: { city: "Laval" } } },
            { id: "e1", type: "end.success", params: {} },
          ],
          connections: [{ from: "t1", exit: "next", to: "u1" }, { from: "u1", exit: "next", to: "e1" }],
        });
        await activate(s, "shop", doc);
        await s.ctx.engine.pause("tag");
        const r = await s.call("PATCH", `${p.base}/fields/city`, p.auth, { category: "administrative" });
        expect(r.statusCode).toBe(409);
        expect(r.json().usedBy.campaigns[0]).toMatchObject({ id: "tag", status: "paused" });
        expect((await s.call("PATCH", `${p.base}/fields/age`, p.auth, { category: "administrative" })).statusCode).toBe(200);
      });

      it("lets a draft campaign's references go: drafts are checked when activated", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await s.ctx.engine.saveCampaign("shop", liveCampaign());
        expect((await s.call("DELETE", `${p.base}/fields/city`, p.auth)).statusCode).toBe(200);
      });
    });

    describe("communication types", () => {
      it("adds, lists and deletes a communication type, and the contacts' subscriptions to it", async () => {
        s = await testServer(name);
        const p = await setup(s);
        expect(await p.ok("POST", "/communication-types", { key: "alertes-sms", channel: "sms" })).toEqual({ key: "alertes-sms", channel: "sms", administrative: false });
        await p.ok("POST", "/communication-types", { key: "receipts", channel: "email", administrative: true });
        const list = await s.call("GET", `${p.base}/communication-types`, p.auth);
        expect(list.json().communicationTypes).toEqual([
          { key: "newsletter", channel: "email", administrative: false },
          { key: "alertes-sms", channel: "sms", administrative: false },
          { key: "receipts", channel: "email", administrative: true },
        ]);
        await s.store.transaction(() => s.store.upsertContacts("shop", [{ id: "ann@example.com", subscriptions: { "alertes-sms": true } }], s.clock.now()));
        expect((await s.call("DELETE", `${p.base}/communication-types/alertes-sms`, p.auth)).statusCode).toBe(200);
        expect((await s.store.findContact("shop", "ann@example.com"))?.subscriptions).toEqual({ newsletter: true });
      });

      it("refuses an unknown channel, a duplicate key, and deleting a type a live campaign sends on", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const channel = await s.call("POST", `${p.base}/communication-types`, p.auth, { key: "fax", channel: "fax" });
        expect(channel.statusCode).toBe(400);
        expect(channel.json().errors[0].path).toBe("body.channel");
        expect((await s.call("POST", `${p.base}/communication-types`, p.auth, { key: "newsletter", channel: "sms" })).statusCode).toBe(409);
        await activate(s, "shop");
        const del = await s.call("DELETE", `${p.base}/communication-types/newsletter`, p.auth);
        expect(del.statusCode).toBe(409);
        expect(del.json().detail).toContain("Unknown communication type");
        expect((await s.store.findContact("shop", "ann@example.com"))?.subscriptions).toEqual({ newsletter: true });
      });
    });

    describe("groups", () => {
      it("lists groups with their member counts, and deleting one removes every membership", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await p.ok("POST", "/groups", { key: "montreal" });
        await s.store.transaction(() => s.store.upsertContacts("shop", [{ id: "ann@example.com", groups: ["vip", "montreal"] }], s.clock.now()));
        const list = await s.call("GET", `${p.base}/groups`, p.auth);
        expect(list.json().groups).toEqual([{ key: "vip", members: 2 }, { key: "montreal", members: 1 }]);
        expect((await s.call("DELETE", `${p.base}/groups/vip`, p.auth)).statusCode).toBe(200);
        expect((await s.store.findContact("shop", "ann@example.com"))?.groups).toEqual(["montreal"]);
        expect((await s.store.findContact("shop", "cy@example.com"))?.groups).toEqual([]);
        expect((await s.call("GET", `${p.base}/groups`, p.auth)).json().groups).toEqual([{ key: "montreal", members: 1 }]);
      });

      it("refuses a duplicate group and deleting a group a live campaign tests, keeping the memberships", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const dup = await s.call("POST", `${p.base}/groups`, p.auth, { key: "VIP" });
        expect(dup.statusCode).toBe(409);
        expect(dup.json().detail).toContain("differ only in case");
        await activate(s, "shop");
        const del = await s.call("DELETE", `${p.base}/groups/vip`, p.auth);
        expect(del.statusCode).toBe(409);
        expect((await s.store.findContact("shop", "ann@example.com"))?.groups).toEqual(["vip"]);
      });
    });

    describe("personas", () => {
      it("counts the active contacts each persona's rule holds for, and follows a changed rule", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const list = await s.call("GET", `${p.base}/personas`, p.auth);
        expect(list.statusCode).toBe(200);
        // cy is French-speaking too, but deactivated.
        expect(list.json().personas).toEqual([{ key: "francophones", rule: { field: "language", operator: "equals", value: "fr" }, count: 1 }]);
        const put = await s.call("PUT", `${p.base}/personas/francophones`, p.auth, { rule: { field: "language", operator: "in", value: ["fr", "en"] } });
        expect(put.statusCode).toBe(200);
        expect(put.json().count).toBe(2);
        const one = await s.call("GET", `${p.base}/personas/francophones`, p.auth);
        expect(one.json()).toEqual({ key: "francophones", rule: { field: "language", operator: "in", value: ["fr", "en"] }, count: 2 });
      });

      it("runs a live campaign with a persona's new rule from the next launch on", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const doc = CampaignDocument.parse({
          id: "fr-only", name: "French only",
          elements: [
            { id: "t1", type: "trigger.manual", params: {} },
            { id: "k1", type: "condition.personas", params: { personas: ["francophones"] } },
            { id: "a1", type: "action.sendEmail", params: { communicationType: "newsletter", message: { subject: "Bonjour", html: "<p>Bonjour</p>" } } },
            { id: "e1", type: "end.success", params: {} },
            { id: "e2", type: "end.neutral", params: {} },
          ],
          connections: [
            { from: "t1", exit: "next", to: "k1" }, { from: "k1", exit: "true", to: "a1" }, { from: "k1", exit: "false", to: "e2" },
            { from: "a1", exit: "next", to: "e1" },
          ],
          reentry: "always",
        });
        await activate(s, "shop", doc);
        const run = async () => {
          await s.ctx.engine.launch("fr-only");
          await s.ctx.engine.tick();
          s.clock.set(s.clock.now() + 60_000);
          return Object.fromEntries(await s.store.outcomeCounts("fr-only"));
        };
        expect(await run()).toEqual({ success: 1, neutral: 1 });
        await s.call("PUT", `${p.base}/personas/francophones`, p.auth, { rule: { field: "language", operator: "in", value: ["fr", "en"] } });
        expect(await run()).toEqual({ success: 3, neutral: 1 });
      });

      it("evaluates table rules on the contacts' profiling-table rows", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const ann = (await s.store.findContact("shop", "ann@example.com"))!;
        await s.store.transaction(() => s.store.insertTableRow(ann.pk, "orders", { sku: "A1", amount: 120 }, s.clock.now()));
        const created = await p.ok("POST", "/personas", {
          key: "big-spenders", rule: { table: "orders", quantifier: "any", where: { field: "amount", operator: "greaterThan", value: 100 } },
        });
        expect(created.count).toBe(1);
      });

      it("refuses a rule naming an unknown field, table or column with the path of each, and adds nothing", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const r = await s.call("POST", `${p.base}/personas`, p.auth, {
          key: "odd",
          rule: { all: [{ field: "shoeSize", operator: "greaterThan", value: 40 }, { table: "visits", quantifier: "any" },
            { table: "orders", quantifier: "any", where: { field: "colour", operator: "equals", value: "red" } }] },
        });
        expect(r.statusCode).toBe(400);
        expect(r.json().errors).toEqual([
          { path: "body.rule.all.0.field", message: "unknown field shoeSize" },
          { path: "body.rule.all.1.table", message: "unknown profiling table visits" },
          { path: "body.rule.all.2.where.field", message: "profiling table orders has no column colour" },
        ]);
        const badOperator = await s.call("POST", `${p.base}/personas`, p.auth, { key: "odd", rule: { field: "age", operator: "bigger", value: 3 } });
        expect(badOperator.statusCode).toBe(400);
        const dup = await s.call("POST", `${p.base}/personas`, p.auth, { key: "francophones", rule: { field: "age", operator: "isNotEmpty" } });
        expect(dup.statusCode).toBe(409);
        expect((await configOf(s, "shop")).personas.map((x) => x.key)).toEqual(["francophones"]);
      });

      it("refuses to delete a persona a live campaign uses; deletes it once the campaign stops", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await activate(s, "shop");
        const r = await s.call("DELETE", `${p.base}/personas/francophones`, p.auth);
        expect(r.statusCode).toBe(409);
        expect(r.json().detail).toContain("Unknown persona");
        await s.ctx.engine.stop("welcome");
        expect((await s.call("DELETE", `${p.base}/personas/francophones`, p.auth)).statusCode).toBe(200);
        expect((await s.call("GET", `${p.base}/personas/francophones`, p.auth)).statusCode).toBe(404);
      });
    });

    describe("profiling tables", () => {
      it("adds a table, adds columns, drops an unused column with its values, and deletes the table with its rows", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const ann = (await s.store.findContact("shop", "ann@example.com"))!;
        await s.store.transaction(() => s.store.insertTableRow(ann.pk, "orders", { sku: "A1", amount: 120 }, s.clock.now()));
        const put = await s.call("PUT", `${p.base}/tables/orders`, p.auth, { columns: [{ key: "amount", type: "number" }, { key: "placedAt", type: "datetime" }] });
        expect(put.statusCode).toBe(200);
        expect(put.json()).toEqual({ key: "orders", columns: [{ key: "amount", type: "number" }, { key: "placedAt", type: "datetime" }] });
        const rows = (await s.store.getContacts([ann.pk], { tables: true })).get(ann.pk)!.tables!;
        expect(rows.orders).toEqual([{ amount: 120 }]);
        expect((await s.call("GET", `${p.base}/tables`, p.auth)).json().tables[0].key).toBe("orders");
        expect((await s.call("DELETE", `${p.base}/tables/orders`, p.auth)).statusCode).toBe(200);
        expect((await s.store.getContacts([ann.pk], { tables: true })).get(ann.pk)!.tables).toEqual({});
      });

      it("refuses to drop a column a persona reads, and to retype a column that holds values", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await p.ok("POST", "/personas", { key: "buyers", rule: { table: "orders", quantifier: "any", where: { field: "amount", operator: "greaterThan", value: 0 } } });
        const drop = await s.call("PUT", `${p.base}/tables/orders`, p.auth, { columns: [{ key: "sku", type: "text" }] });
        expect(drop.statusCode).toBe(409);
        expect(drop.json().usedBy.personas).toEqual(["buyers"]);
        const retypeRead = await s.call("PUT", `${p.base}/tables/orders`, p.auth, { columns: [{ key: "sku", type: "text" }, { key: "amount", type: "text" }] });
        expect(retypeRead.statusCode).toBe(409);
        // sku is read by no rule: it may change type while no row holds a value in it…
        const retype = await s.call("PUT", `${p.base}/tables/orders`, p.auth, { columns: [{ key: "sku", type: "number" }, { key: "amount", type: "number" }] });
        expect(retype.statusCode).toBe(200);
        // …but not once one does.
        const ann = (await s.store.findContact("shop", "ann@example.com"))!;
        await s.store.transaction(() => s.store.insertTableRow(ann.pk, "orders", { sku: 7, amount: 1 }, s.clock.now()));
        const held = await s.call("PUT", `${p.base}/tables/orders`, p.auth, { columns: [{ key: "sku", type: "text" }, { key: "amount", type: "number" }] });
        expect(held.statusCode).toBe(409);
        expect(held.json().detail).toContain("rows hold values");
        expect((await configOf(s, "shop")).tables[0].columns).toEqual([{ key: "sku", type: "number" }, { key: "amount", type: "number" }]);
        expect((await s.call("DELETE", `${p.base}/tables/orders`, p.auth)).statusCode).toBe(409);
      });

      it("refuses repeated columns, an empty column list and a duplicate table", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const repeated = await s.call("POST", `${p.base}/tables`, p.auth, { key: "visits", columns: [{ key: "url" }, { key: "URL" }] });
        expect(repeated.statusCode).toBe(400);
        expect(repeated.json().errors).toEqual([{ path: "body.columns.1.key", message: "column URL appears twice" }]);
        expect((await s.call("POST", `${p.base}/tables`, p.auth, { key: "visits", columns: [] })).statusCode).toBe(400);
        expect((await s.call("POST", `${p.base}/tables`, p.auth, { key: "orders", columns: [{ key: "x" }] })).statusCode).toBe(409);
        expect((await configOf(s, "shop")).tables.map((t) => t.key)).toEqual(["orders"]);
      });
    });

    describe("promo banks", () => {
      it("adds codes, reports duplicates and empty codes, and shows stock, grants, expiry and low stock", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const bank = await p.ok("POST", "/promo-banks", { key: "summer", expiresAt: "2027-08-31T23:59:59-04:00", lowStockThreshold: 2 });
        expect(bank).toEqual({ key: "summer", stock: 0, granted: 0, expiresAt: "2027-09-01T03:59:59.000Z", expired: false, lowStockThreshold: 2, lowStock: true });
        const empty = await s.call("POST", `${p.base}/promo-banks/summer/codes`, p.auth, { codes: ["A", " ", "B"] });
        expect(empty.statusCode).toBe(400);
        expect(empty.json().errors).toEqual([{ path: "body.codes.1", message: "empty code" }]);
        const added = await s.call("POST", `${p.base}/promo-banks/summer/codes`, p.auth, { codes: [" SUM-1 ", "SUM-2", "SUM-3", "SUM-2"] });
        expect(added.statusCode).toBe(200);
        expect(added.json()).toMatchObject({ added: 3, duplicates: 1, duplicateCodes: ["SUM-2"], bank: { stock: 3, lowStock: false } });
        const again = await s.call("POST", `${p.base}/promo-banks/summer/codes`, p.auth, { codes: ["SUM-1", "SUM-4"] });
        expect(again.json()).toMatchObject({ added: 1, duplicates: 1, duplicateCodes: ["SUM-1"] });
        const ann = (await s.store.findContact("shop", "ann@example.com"))!;
        await s.store.transaction(() => s.store.takePromoCode("shop", "summer", ann.pk, 1, s.clock.now()));
        await s.store.transaction(() => s.store.takePromoCode("shop", "summer", ann.pk, 2, s.clock.now()));
        const list = await s.call("GET", `${p.base}/promo-banks`, p.auth);
        expect(list.json().promoBanks).toEqual([
          { key: "spring", stock: 0, granted: 0, expiresAt: null, expired: false, lowStockThreshold: null, lowStock: false },
          { key: "summer", stock: 2, granted: 2, expiresAt: "2027-09-01T03:59:59.000Z", expired: false, lowStockThreshold: 2, lowStock: true },
        ]);
        // The codes live in the store, never in the configuration document.
        expect((await configOf(s, "shop")).promoBanks.find((b) => b.key === "summer")?.codes).toEqual([]);
      });

      it("changes and clears a bank's expiry and threshold, and shows an expired bank", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const r = await s.call("PATCH", `${p.base}/promo-banks/spring`, p.auth, { expiresAt: "2026-11-30T00:00:00Z", lowStockThreshold: 10 });
        expect(r.statusCode).toBe(200);
        expect(r.json()).toMatchObject({ expiresAt: "2026-11-30T00:00:00.000Z", expired: true, lowStockThreshold: 10, lowStock: true });
        expect((await configOf(s, "shop")).promoBanks[0]).toMatchObject({ expiresAt: Date.parse("2026-11-30T00:00:00Z"), lowStockThreshold: 10 });
        const cleared = await s.call("PATCH", `${p.base}/promo-banks/spring`, p.auth, { expiresAt: null, lowStockThreshold: null });
        expect(cleared.json()).toMatchObject({ expiresAt: null, expired: false, lowStockThreshold: null, lowStock: false });
        const bad = await s.call("PATCH", `${p.base}/promo-banks/spring`, p.auth, { expiresAt: "next tuesday" });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().errors[0].path).toBe("body.expiresAt");
      });

      it(`takes ${(100_000).toLocaleString("en")} codes in one call and refuses more`, async () => {
        s = await testServer(name);
        const p = await setup(s);
        const codes = Array.from({ length: 100_000 }, (_, i) => `SPRING-${String(i).padStart(6, "0")}`);
        const r = await s.call("POST", `${p.base}/promo-banks/spring/codes`, p.auth, { codes });
        expect(r.statusCode, r.body).toBe(200);
        expect(r.json()).toMatchObject({ added: 100_000, duplicates: 0, bank: { stock: 100_000 } });
        const tooMany = await s.call("POST", `${p.base}/promo-banks/spring/codes`, p.auth, { codes: [...codes, "ONE-MORE"] });
        expect(tooMany.statusCode).toBe(400);
        expect(tooMany.json().detail).toContain("at most 100000 codes per call");
      }, 60_000);

      it("refuses to delete a bank a live campaign grants from; deletes its free codes and keeps granted ones otherwise", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await s.call("POST", `${p.base}/promo-banks/spring/codes`, p.auth, { codes: ["S1", "S2"] });
        await activate(s, "shop");
        const r = await s.call("DELETE", `${p.base}/promo-banks/spring`, p.auth);
        expect(r.statusCode).toBe(409);
        expect(r.json().detail).toContain("Unknown promo code bank");
        await s.ctx.engine.stop("welcome");
        const ann = (await s.store.findContact("shop", "ann@example.com"))!;
        await s.store.transaction(() => s.store.takePromoCode("shop", "spring", ann.pk, 1, s.clock.now()));
        expect((await s.call("DELETE", `${p.base}/promo-banks/spring`, p.auth)).statusCode).toBe(200);
        const left = await s.store.execute("SELECT code FROM promo_codes WHERE project_id = 'shop'", []);
        expect(left.map((x) => x.code)).toEqual(["S1"]);
        expect((await s.call("POST", `${p.base}/promo-banks/spring/codes`, p.auth, { codes: ["S3"] })).statusCode).toBe(404);
      });
    });

    describe("SFTP destinations", () => {
      it("stores the password encrypted: it is nowhere in the database and in no response", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const responses: string[] = [];
        const get = await s.call("GET", `${p.base}/destinations/warehouse`, p.auth);
        responses.push(get.body, (await s.call("GET", `${p.base}/destinations`, p.auth)).body, (await s.call("GET", `${p.base}`, p.auth)).body);
        expect(get.json()).toEqual({
          key: "warehouse", type: "sftp", host: "sftp.example.com", port: 22, username: "relais", directory: "/", hostKey: HOST_KEY,
          delimiter: ",", bom: false, auth: { type: "password", set: true },
        });
        const put = await s.call("PUT", `${p.base}/destinations/warehouse`, p.auth, { host: "sftp2.example.com", port: 2222, username: "relais", directory: "/in", hostKey: HOST_KEY });
        expect(put.statusCode).toBe(200);
        responses.push(put.body);
        for (const body of responses) expect(body).not.toContain(PASSWORD);
        const dump = JSON.stringify([
          ...(await s.store.execute("SELECT * FROM secrets", [])),
          ...(await s.store.execute("SELECT * FROM projects", [])),
        ]);
        expect(dump).toContain("sftp2.example.com");
        expect(dump).not.toContain(PASSWORD);
        // The exporter reads it back, unchanged by a PUT without auth.
        const stored = await getSecret(s.ctx.db, "shop", "destination", "warehouse", s.ctx.secret);
        expect(JSON.parse(stored!)).toEqual({ password: PASSWORD });
      });

      it("replaces the credentials with a private key when auth is given", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const put = await s.call("PUT", `${p.base}/destinations/warehouse`, p.auth, {
          host: "sftp.example.com", username: "relais", hostKey: HOST_KEY, auth: { privateKey: PRIVATE_KEY, passphrase: "open sesame" },
        });
        expect(put.statusCode).toBe(200);
        expect(put.json().auth).toEqual({ type: "privateKey", set: true });
        expect(put.body).not.toContain("unique-key-material");
        const stored = JSON.parse((await getSecret(s.ctx.db, "shop", "destination", "warehouse", s.ctx.secret))!);
        expect(stored).toEqual({ privateKey: PRIVATE_KEY, passphrase: "open sesame" });
        const dump = JSON.stringify(await s.store.execute("SELECT * FROM secrets", []));
        expect(dump).not.toContain("unique-key-material");
        expect(dump).not.toContain("open sesame");
      });

      it("refuses a bad fingerprint, host, both or neither credential, and a duplicate key, and stores nothing", async () => {
        s = await testServer(name);
        const p = await setup(s);
        const base = { key: "backup", host: "backup.example.com", username: "u", hostKey: HOST_KEY, auth: { password: "pw" } };
        const fp = await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, hostKey: "MD5:aa:bb" });
        expect(fp.statusCode).toBe(400);
        expect(fp.json().errors[0]).toMatchObject({ path: "body.hostKey" });
        expect(fp.json().errors[0].message).toContain("SHA256");
        expect((await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, host: "bad host!" })).statusCode).toBe(400);
        const both = await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, auth: { password: "pw", privateKey: PRIVATE_KEY } });
        expect(both.statusCode).toBe(400);
        expect(both.json().detail).toContain("either password or privateKey");
        expect((await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, auth: {} })).statusCode).toBe(400);
        expect((await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, auth: { privateKey: "not a key" } })).statusCode).toBe(400);
        expect((await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, type: "ftp" })).statusCode).toBe(400);
        expect((await s.call("POST", `${p.base}/destinations`, p.auth, { ...base, key: "warehouse" })).statusCode).toBe(409);
        expect((await configOf(s, "shop")).destinations.map((d) => d.key)).toEqual(["warehouse"]);
        expect(await s.store.execute("SELECT key FROM secrets", [])).toEqual([{ key: "warehouse" }]);
      });

      it("refuses to delete a destination a live campaign exports to; deletes it with its secret otherwise", async () => {
        s = await testServer(name);
        const p = await setup(s);
        await activate(s, "shop");
        const r = await s.call("DELETE", `${p.base}/destinations/warehouse`, p.auth);
        expect(r.statusCode).toBe(409);
        expect(r.json().detail).toContain("Unknown SFTP destination");
        await s.ctx.engine.stop("welcome");
        expect((await s.call("DELETE", `${p.base}/destinations/warehouse`, p.auth)).statusCode).toBe(200);
        expect(await s.store.execute("SELECT key FROM secrets", [])).toEqual([]);
        expect((await s.call("GET", `${p.base}/destinations/warehouse`, p.auth)).statusCode).toBe(404);
      });
    });

    describe("access", () => {
      it("answers 404 for another project's key and for a key that exists only in another project", async () => {
        s = await testServer(name);
        const a = await setup(s, "a");
        const b = await setup(s, "b");
        await b.ok("POST", "/personas", { key: "only-in-b", rule: { field: "age", operator: "isNotEmpty" } });
        const cross = await s.call("GET", "/api/v1/projects/b/personas", a.auth);
        expect(cross.statusCode).toBe(404);
        expect(cross.json().detail).toBe("project not found");
        const missing = await s.call("GET", "/api/v1/projects/a/personas/only-in-b", a.auth);
        expect(missing.statusCode).toBe(404);
        expect(missing.json().detail).toBe("persona only-in-b not found");
        expect((await s.call("DELETE", "/api/v1/projects/b/groups/vip", a.auth)).statusCode).toBe(404);
        expect((await configOf(s, "b")).groups).toEqual([{ key: "vip" }]);
      });

      it("lets every role read the configuration and only admins change it", async () => {
        s = await testServer(name);
        await setup(s);
        const editor = await s.call("POST", "/api/v1/projects/shop/api-keys", { cookie: s.adminCookie }, { name: "ed", role: "editor" });
        const ed: Auth = { authorization: `Bearer ${editor.json().key}` };
        expect((await s.call("GET", "/api/v1/projects/shop/fields", ed)).statusCode).toBe(200);
        const r = await s.call("POST", "/api/v1/projects/shop/groups", ed, { key: "x" });
        expect(r.statusCode).toBe(403);
        expect(r.json().detail).toContain("needs admin");
      });

      it("describes every configuration route in the OpenAPI document, under the configuration tag", async () => {
        s = await testServer(name);
        const spec = (await s.call("GET", "/docs/json", {})).json() as { paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> };
        const config = Object.entries(spec.paths).flatMap(([path, ops]) =>
          Object.entries(ops).filter(([, op]) => op.tags?.includes("configuration")).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, summary: op.summary })));
        expect(config.map((c) => c.route).sort()).toEqual([
          "DELETE /api/v1/projects/{projectId}/communication-types/{key}", "DELETE /api/v1/projects/{projectId}/destinations/{key}",
          "DELETE /api/v1/projects/{projectId}/fields/{key}", "DELETE /api/v1/projects/{projectId}/groups/{key}",
          "DELETE /api/v1/projects/{projectId}/personas/{key}", "DELETE /api/v1/projects/{projectId}/promo-banks/{key}",
          "DELETE /api/v1/projects/{projectId}/tables/{key}",
          "GET /api/v1/projects/{projectId}/communication-types", "GET /api/v1/projects/{projectId}/destinations",
          "GET /api/v1/projects/{projectId}/destinations/{key}", "GET /api/v1/projects/{projectId}/fields",
          "GET /api/v1/projects/{projectId}/groups", "GET /api/v1/projects/{projectId}/personas",
          "GET /api/v1/projects/{projectId}/personas/{key}", "GET /api/v1/projects/{projectId}/promo-banks",
          "GET /api/v1/projects/{projectId}/tables",
          "PATCH /api/v1/projects/{projectId}/fields/{key}", "PATCH /api/v1/projects/{projectId}/promo-banks/{key}",
          "POST /api/v1/projects/{projectId}/communication-types", "POST /api/v1/projects/{projectId}/destinations",
          "POST /api/v1/projects/{projectId}/destinations/{key}/test",
          "POST /api/v1/projects/{projectId}/fields", "POST /api/v1/projects/{projectId}/groups",
          "POST /api/v1/projects/{projectId}/personas", "POST /api/v1/projects/{projectId}/personas/count", "POST /api/v1/projects/{projectId}/promo-banks",
          "POST /api/v1/projects/{projectId}/promo-banks/{key}/codes", "POST /api/v1/projects/{projectId}/tables",
          "PUT /api/v1/projects/{projectId}/destinations/{key}", "PUT /api/v1/projects/{projectId}/personas/{key}",
          "PUT /api/v1/projects/{projectId}/tables/{key}",
        ]);
        for (const c of config) expect(c.summary, c.route).toBeTruthy();
      });
    });
  });
}

describe("secrets at rest", () => {
  const key = Buffer.alloc(32, 9);

  it("round-trips, with a fresh IV each time", () => {
    const a = encryptSecret(key, "hunter2", "ctx");
    const b = encryptSecret(key, "hunter2", "ctx");
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(key, a, "ctx")).toBe("hunter2");
  });

  it("refuses a tampered ciphertext, another key, and another context", () => {
    const blob = encryptSecret(key, "hunter2", "ctx");
    const [v, iv, tag, body] = blob.split(":");
    const flipped = Buffer.from(body, "base64url");
    flipped[0] ^= 1;
    expect(() => decryptSecret(key, [v, iv, tag, flipped.toString("base64url")].join(":"), "ctx")).toThrow(SecretError);
    expect(() => decryptSecret(Buffer.alloc(32, 1), blob, "ctx")).toThrow(SecretError);
    expect(() => decryptSecret(key, blob, "other")).toThrow(SecretError);
    expect(() => decryptSecret(key, "v0:garbage", "ctx")).toThrow(SecretError);
  });
});
