import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

/** A project with a few typed fields, a communication type and groups. */
async function setup(s: TestServer, id = "shop") {
  const p = await s.project({ id });
  await s.ctx.projects.updateConfig(id, (c) => ({
    ...c,
    fields: [
      ...c.fields,
      { key: "firstName", type: "text", category: "general" },
      { key: "city", type: "text", category: "general" },
      { key: "score", type: "number", category: "general" },
      { key: "birthday", type: "date", category: "general" },
      { key: "vip", type: "boolean", category: "general" },
    ],
    communicationTypes: [{ key: "newsletter", channel: "email" }, { key: "promos", channel: "email" }],
    groups: [{ key: "montreal" }, { key: "quebec" }],
  }));
  return p;
}

function upload(s: TestServer, projectId: string, auth: Record<string, string>, csv: string | Buffer, query: Record<string, string> = {}) {
  const qs = new URLSearchParams(query).toString();
  return s.app.inject({
    method: "POST", url: `/api/v1/projects/${projectId}/imports${qs ? `?${qs}` : ""}`,
    headers: { ...auth, "content-type": "text/csv" }, payload: csv,
  });
}

/** Polls the import until it has finished. */
async function finished(s: TestServer, projectId: string, auth: Record<string, string>, id: string) {
  for (let i = 0; i < 500; i++) {
    const r = await s.call("GET", `/api/v1/projects/${projectId}/imports/${id}`, auth);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    if (body.status === "done" || body.status === "failed") return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the import did not finish");
}

async function contact(s: TestServer, projectId: string, id: string) {
  return s.store.findContact(projectId, id);
}

async function countRows(s: TestServer, table: string) {
  const [r] = await s.store.execute(`SELECT COUNT(*) AS n FROM ${table}`, []);
  return Number(r.n);
}

/** Windows-1252 bytes of a string (Latin-1 plus the few characters Windows puts in 0x80–0x9F). */
function cp1252(text: string): Buffer {
  const extra: Record<string, number> = { "€": 0x80, "’": 0x92, "œ": 0x9c, "Œ": 0x8c };
  return Buffer.from([...text].map((ch) => extra[ch] ?? ch.charCodeAt(0)));
}

function importCampaign(id: string, mode: "auto" | "onDemand", contacts: "all" | "created" | "updated" = "all") {
  return CampaignDocument.parse({
    id, name: id, reentry: "always",
    elements: [
      { id: "t1", type: "trigger.import", params: { mode, contacts } },
      { id: "e1", type: "end.success", params: {} },
    ],
    connections: [{ from: "t1", exit: "next", to: "e1" }],
  });
}

for (const { name } of SERVER_STORES) {
  describe(`CSV imports (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("creates and updates contacts by their unique key, normalizes values, and logs the consent it changes", async () => {
      s = await testServer(name);
      const p = await setup(s);
      await s.store.transaction(() => s.store.upsertContacts("shop", [{
        id: "ann@example.com", fields: { email: "ann@example.com", firstName: "Ann", city: "Laval" }, subscriptions: { newsletter: true },
      }], s.clock.now()));
      const csv = [
        "email,firstName,score,birthday,vip,newsletter,promos,groups",
        " ANN@Example.com ,Annie,\"3,5\",1990-04-01,oui,yes,no,montreal",
        "bob@example.com,Bob,12,,non,1,,\"montreal; quebec\"",
        "cy@example.com,Cy,,,,,,",
      ].join("\r\n");
      const r = await upload(s, "shop", p.auth, csv, {
        mapping: JSON.stringify({ newsletter: "subscription:newsletter", promos: "subscription:promos", groups: "groups" }), fileName: "clients.csv",
      });
      expect(r.statusCode).toBe(202);
      expect(r.json()).toMatchObject({ status: "queued", fileName: "clients.csv", totalRows: 3, options: { delimiter: ",", encoding: "utf-8", launchCampaigns: false } });
      const done = await finished(s, "shop", p.auth, r.json().id);
      expect(done).toMatchObject({ status: "done", processedRows: 3, created: 2, updated: 1, rejected: 0, rejections: [], error: null });

      const ann = await contact(s, "shop", "ann@example.com");
      // Imported fields overwrite, the others (city) are kept; blank cells change nothing.
      expect(ann?.fields).toEqual({ email: "ann@example.com", firstName: "Annie", city: "Laval", score: 3.5, birthday: "1990-04-01", vip: true });
      expect(ann?.subscriptions).toEqual({ newsletter: true, promos: false });
      expect(ann?.groups).toEqual(["montreal"]);
      const bob = await contact(s, "shop", "bob@example.com");
      expect(bob?.fields).toEqual({ email: "bob@example.com", firstName: "Bob", score: 12, vip: false });
      expect(bob?.groups).toEqual(["montreal", "quebec"]);
      expect((await contact(s, "shop", "cy@example.com"))?.subscriptions).toEqual({});

      const log = await s.store.execute("SELECT contact_pk, comm_type, subscribed, source FROM subscription_log ORDER BY id", []);
      // Ann was already subscribed to the newsletter: only her promos refusal is a change. Bob is new: his consent is logged.
      expect(log.map((l) => [Number(l.contact_pk), l.comm_type, Number(l.subscribed), l.source])).toEqual([
        [ann!.pk, "promos", 0, `import:${done.id}`],
        [bob!.pk, "newsletter", 1, `import:${done.id}`],
      ]);
      const list = await s.call("GET", "/api/v1/projects/shop/imports", p.auth);
      expect(list.json().imports.map((i: { id: string }) => i.id)).toEqual([done.id]);
      expect(list.json().imports[0]).not.toHaveProperty("rejections");
    });

    it("rejects bad rows with their row, line, column and reason, and keeps every valid row", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const csv = [
        "email;firstName;score;birthday;groups",
        "ok1@example.com;A;1;;",
        "not-an-email;B;2;;",
        ";C;3;;",
        "ok2@example.com;D;douze;2024-02-30;",
        "\"ok3@example.com\";\"E\nsur deux lignes\";4;;paris",
        "ok4@example.com;F;5;;quebec",
      ].join("\n");
      const r = await upload(s, "shop", p.auth, csv, { mapping: JSON.stringify({ groups: "groups" }) });
      expect(r.statusCode).toBe(202);
      const done = await finished(s, "shop", p.auth, r.json().id);
      expect(done).toMatchObject({ status: "done", processedRows: 6, created: 2, updated: 0, rejected: 4 });
      expect(done.rejections).toEqual([
        { row: 2, line: 3, column: "email", reason: "\"not-an-email\" is not an email address" },
        { row: 3, line: 4, column: "email", reason: "missing the unique key email" },
        { row: 4, line: 5, column: "score", reason: "\"douze\" is not a number" },
        { row: 4, line: 5, column: "birthday", reason: "expected a date YYYY-MM-DD, got \"2024-02-30\"" },
        { row: 5, line: 6, column: "groups", reason: "unknown group paris" },
      ]);
      expect((await s.store.listContacts("shop")).map((c) => c.id)).toEqual(["ok1@example.com", "ok4@example.com"]);
    });

    it("imports a semicolon-separated Windows-1252 file with accents when told its encoding", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const csv = cp1252("email;firstName;city\r\nhelene@example.com;Hélène;Québec\r\nzoe@example.com;Zoé Œuvré;Trois-Rivières\r\n");
      const r = await upload(s, "shop", p.auth, csv, { encoding: "windows-1252" });
      expect(r.statusCode).toBe(202);
      expect(r.json().options).toMatchObject({ delimiter: ";", encoding: "windows-1252" });
      expect(await finished(s, "shop", p.auth, r.json().id)).toMatchObject({ status: "done", created: 2 });
      expect((await contact(s, "shop", "helene@example.com"))?.fields).toMatchObject({ firstName: "Hélène", city: "Québec" });
      expect((await contact(s, "shop", "zoe@example.com"))?.fields).toMatchObject({ firstName: "Zoé Œuvré", city: "Trois-Rivières" });
    });

    it("refuses a file that is not valid UTF-8, naming the byte and line and suggesting windows-1252, and writes nothing", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const csv = Buffer.concat([Buffer.from("email;city\nok@example.com;Laval\nx@example.com;Qu"), Buffer.from([0xe9]), Buffer.from("bec\n")]);
      const r = await upload(s, "shop", p.auth, csv);
      expect(r.statusCode).toBe(400);
      const body = r.json();
      expect(body.code).toBe("invalid_encoding");
      expect(body.detail).toContain("byte 0xE9 at byte offset 48 (line 3)");
      expect(body.detail).toContain("windows-1252");
      expect(body.errors).toEqual([{ path: "line 3", message: expect.stringContaining("offset 48") }]);
      expect(await s.store.listContacts("shop")).toEqual([]);
      expect(await countRows(s, "imports")).toBe(0);
    });

    it("refuses a file with an unclosed quote, naming the line, and writes nothing", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const csv = "email,firstName\na@example.com,Ann\nb@example.com,\"Bob\nc@example.com,Cy\n";
      const r = await upload(s, "shop", p.auth, csv);
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe("invalid_csv");
      expect(r.json().detail).toContain("line 3");
      expect(r.json().errors[0].path).toBe("line 3");
      const ragged = await upload(s, "shop", p.auth, "email,firstName\na@example.com,Ann\nb@example.com,Bob,extra\n");
      expect(ragged.statusCode).toBe(400);
      expect(ragged.json().detail).toContain("line 3 has 3 values where the header has 2 columns");
      expect(await s.store.listContacts("shop")).toEqual([]);
      expect(await countRows(s, "imports")).toBe(0);
    });

    it("refuses unknown columns at the start, listing them, unless they are mapped (or ignored)", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const csv = "email,Prénom,colour,city\na@example.com,Ann,blue,Laval\n";
      const r = await upload(s, "shop", p.auth, csv);
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe("invalid_mapping");
      expect(r.json().detail).toContain("unknown columns Prénom, colour");
      expect(r.json().errors.map((e: { path: string }) => e.path)).toEqual(["header.Prénom", "header.colour"]);
      const badTarget = await upload(s, "shop", p.auth, csv, { mapping: JSON.stringify({ Prénom: "field:nope", colour: "ignore", missing: "ignore" }) });
      expect(badTarget.statusCode).toBe(400);
      expect(badTarget.json().errors).toEqual([
        { path: "mapping.missing", message: expect.stringContaining("the file has no column missing") },
        { path: "mapping.Prénom", message: "the project has no field nope" },
      ]);
      expect(await countRows(s, "imports")).toBe(0);
      const ok = await upload(s, "shop", p.auth, csv, { mapping: JSON.stringify({ Prénom: "field:firstName", colour: "ignore" }) });
      expect(ok.statusCode).toBe(202);
      expect(ok.json().options.mapping).toEqual({ email: "field:email", Prénom: "field:firstName", colour: "ignore", city: "field:city" });
      await finished(s, "shop", p.auth, ok.json().id);
      expect((await contact(s, "shop", "a@example.com"))?.fields).toEqual({ email: "a@example.com", firstName: "Ann", city: "Laval" });
    });

    it("keeps the last row when a key appears twice in the file", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const r = await upload(s, "shop", p.auth, "email,firstName,city\na@example.com,Ann,Laval\nA@example.com,Annie,\n");
      const done = await finished(s, "shop", p.auth, r.json().id);
      expect(done).toMatchObject({ created: 1, updated: 0 });
      expect((await contact(s, "shop", "a@example.com"))?.fields).toEqual({ email: "a@example.com", firstName: "Annie", city: "Laval" });
    });

    it("starts automatic import triggers after every import, and on-demand ones only when asked to launch campaigns", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const { engine } = s.ctx;
      for (const [id, mode, contacts] of [["auto", "auto", "all"], ["onDemand", "onDemand", "all"], ["onlyNew", "auto", "created"]] as const) {
        await engine.saveCampaign("shop", importCampaign(id, mode, contacts), 1);
        await engine.activate(id);
      }
      const first = await upload(s, "shop", p.auth, "email\na@example.com\nb@example.com\n");
      await finished(s, "shop", p.auth, first.json().id);
      const entered = async (campaign: string) => (await s.store.journeys(campaign)).map((j) => j.contactId).sort();
      expect(await entered("auto")).toEqual(["a@example.com", "b@example.com"]);
      expect(await entered("onDemand")).toEqual([]);
      expect(await entered("onlyNew")).toEqual(["a@example.com", "b@example.com"]);

      const second = await upload(s, "shop", p.auth, "email\nb@example.com\nc@example.com\n", { launchCampaigns: "true" });
      await finished(s, "shop", p.auth, second.json().id);
      expect(await entered("auto")).toEqual(["a@example.com", "b@example.com", "b@example.com", "c@example.com"]);
      expect(await entered("onDemand")).toEqual(["b@example.com", "c@example.com"]);
      expect(await entered("onlyNew")).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
      // One run per import per trigger.
      expect(await s.store.firedRuns("auto", "t1")).toHaveLength(2);
      expect(await s.store.firedRuns("onDemand", "t1")).toHaveLength(1);
    });

    it("keeps imports inside their project: another project's key gets 404", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const other = await setup(s, "other");
      const r = await upload(s, "shop", p.auth, "email\na@example.com\n");
      await finished(s, "shop", p.auth, r.json().id);
      expect((await s.call("GET", `/api/v1/projects/shop/imports/${r.json().id}`, other.auth)).statusCode).toBe(404);
      const wrongProject = await s.call("GET", `/api/v1/projects/other/imports/${r.json().id}`, other.auth);
      expect(wrongProject.statusCode).toBe(404);
      expect(wrongProject.json().detail).toBe("import not found");
      expect((await s.call("GET", "/api/v1/projects/other/imports", other.auth)).json().imports).toEqual([]);
      expect((await upload(s, "shop", other.auth, "email\nb@example.com\n")).statusCode).toBe(404);
      expect(await s.store.listContacts("other")).toEqual([]);
    });

    it("asks for a CSV body and a JSON mapping", async () => {
      s = await testServer(name);
      const p = await setup(s);
      const json = await s.call("POST", "/api/v1/projects/shop/imports", p.auth, { email: "a@example.com" });
      expect(json.statusCode).toBe(415);
      expect(json.json().code).toBe("unsupported_media_type");
      const badMapping = await upload(s, "shop", p.auth, "email\na@example.com\n", { mapping: "{email:" });
      expect(badMapping.statusCode).toBe(400);
      expect(badMapping.json().errors[0].path).toBe("querystring.mapping");
      const badEncoding = await upload(s, "shop", p.auth, "email\na@example.com\n", { encoding: "ebcdic" });
      expect(badEncoding.statusCode).toBe(400);
      const empty = await upload(s, "shop", p.auth, "");
      expect(empty.statusCode).toBe(400);
      expect(empty.json().detail).toContain("empty");
      expect(await countRows(s, "imports")).toBe(0);
    });
  });
}
