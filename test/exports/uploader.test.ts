import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument, hasErrors, validateCampaign, type CampaignDocumentInput } from "../../src/model/index.js";
import { Uploader, type UploaderOptions } from "../../src/exports/uploader.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";
import { ed25519KeyPair, startSftpServer } from "./sftp-server.js";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SETTLE = 11_000;

type Sftp = Awaited<ReturnType<typeof startSftpServer>>;
interface FileOut { id: number; campaign: string; element: string; status: string; attempts: number; lastError: string | null; rows: number; bytes: number | null; path: string; destination: string; uploadedAt: number | null }

async function setUp(s: TestServer, sftp: Sftp, destination: Record<string, unknown> = {}) {
  const p = await s.project({ id: "shop" });
  await s.ctx.projects.updateConfig(p.id, (c) => ({
    ...c,
    fields: [...c.fields, { key: "firstName", type: "text", category: "general" }, { key: "address", type: "text", category: "general" }, { key: "postalCode", type: "text", category: "general" }],
    communicationTypes: [...c.communicationTypes, { key: "mail", channel: "postal" }],
    postalFields: ["address", "postalCode"],
  }));
  const r = await s.call("POST", "/api/v1/projects/shop/destinations", p.auth, {
    key: "crm", host: "127.0.0.1", port: sftp.port, username: "relais", directory: "/in", hostKey: sftp.fingerprint, auth: { password: "secret" }, ...destination,
  });
  expect(r.statusCode, r.body).toBe(201);
  return p;
}

/** A campaign `id`: manual launch → `middle` → end. */
async function campaign(s: TestServer, id: string, middle: CampaignDocumentInput["elements"]) {
  const ids = ["t1", ...middle.map((e) => e.id), "e1"];
  const doc = CampaignDocument.parse({
    id, name: id,
    elements: [{ id: "t1", type: "trigger.manual", params: {} }, ...middle, { id: "e1", type: "end.success", params: {} }],
    connections: ids.slice(0, -1).map((from, i) => ({ from, exit: "next", to: ids[i + 1]! })),
  });
  const findings = validateCampaign(doc, (await s.store.getProject("shop"))!);
  expect(hasErrors(findings), JSON.stringify(findings)).toBe(false);
  await s.ctx.engine.saveCampaign("shop", doc);
  await s.ctx.engine.activate(doc.id);
}

async function launch(s: TestServer, id: string) {
  await s.ctx.engine.launch(id);
  await s.ctx.engine.tick();
}

async function contacts(s: TestServer, list: { id: string; firstName?: string; address?: string; postalCode?: string; mail?: boolean }[]) {
  await s.store.transaction(() => s.store.upsertContacts("shop", list.map((c) => ({
    id: c.id, fields: { email: c.id, firstName: c.firstName ?? "", ...(c.address !== undefined ? { address: c.address, postalCode: c.postalCode } : {}) },
    ...(c.mail !== undefined ? { subscriptions: { mail: c.mail } } : {}),
  })), s.clock.now()));
}

const uploader = (s: TestServer, o: Partial<UploaderOptions> = {}) =>
  new Uploader({ store: s.store, db: s.ctx.db, secret: s.ctx.secret, now: () => s.clock.now(), retryBaseDelayMs: 5, claimBackoffMs: 0, ...o });

async function files(s: TestServer, auth: { authorization: string }, query = ""): Promise<FileOut[]> {
  const r = await s.call("GET", `/api/v1/projects/shop/files${query}`, auth);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().files;
}

for (const { name } of SERVER_STORES) {
  describe(`uploads of export and postal files over a real SSH server (${name})`, () => {
    let s: TestServer | undefined;
    let sftp: Sftp | undefined;
    let root: string | undefined;
    afterEach(async () => {
      await s?.close();
      await sftp?.close();
      if (root) fs.rmSync(root, { recursive: true, force: true });
      s = sftp = root = undefined;
    });
    const start = async (opts: Partial<Parameters<typeof startSftpServer>[0]> = {}) => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "relais-upl-"));
      fs.mkdirSync(path.join(root, "in"));
      sftp = await startSftpServer({ root, ...opts });
      s = await testServer(name);
      return { s, sftp, root };
    };

    it("delivers a campaign's export file once it is complete: the bytes on the server are the CSV, with the destination's ; and BOM", async () => {
      const { s, sftp, root } = await start();
      const p = await setUp(s, sftp, { delimiter: ";", bom: true });
      await contacts(s, [{ id: "ann@example.com", firstName: "Hélène; \"Ann\"" }, { id: "bob@example.com", firstName: "Bob" }]);
      await campaign(s, "welcome", [{ id: "x1", type: "action.exportData", params: { destination: "crm", path: "exports/{{ run.date }}.csv", fields: ["email", "firstName"] } }]);
      await launch(s, "welcome");
      const u = uploader(s);
      // Not before the file is complete (the batch committed, plus the settle time).
      expect(await u.runOnce()).toBe(0);
      expect((await files(s, p.auth))[0]).toMatchObject({ status: "pending", rows: 2, attempts: 0, path: "exports/2026-12-01.csv", destination: "crm" });
      s.clock.set(s.clock.now() + SETTLE);
      expect(await u.runOnce()).toBe(1);
      const expected = Buffer.concat([BOM, Buffer.from('email;firstName\r\nann@example.com;"Hélène; ""Ann"""\r\nbob@example.com;Bob\r\n', "utf8")]);
      const bytes = fs.readFileSync(path.join(root, "in", "exports", "2026-12-01.csv"));
      expect(bytes.toString("utf8")).toBe(expected.toString("utf8"));
      expect(bytes.equals(expected)).toBe(true);
      expect(fs.readdirSync(path.join(root, "in", "exports"))).toEqual(["2026-12-01.csv"]);
      const [f] = await files(s, p.auth, "?campaign=welcome&status=uploaded");
      expect(f).toMatchObject({ status: "uploaded", rows: 2, bytes: expected.length, attempts: 1, lastError: null, uploadedAt: s.clock.now() });
      expect(await files(s, p.auth, "?status=pending")).toEqual([]);
      expect(await files(s, p.auth, "?campaign=other")).toEqual([]);
      // Nothing is due any more.
      expect(await u.runOnce()).toBe(0);
    });

    it("wrong password: failed after its claims with a clear error; fixed credentials and a retry deliver every row once", async () => {
      const { s, sftp, root } = await start();
      const p = await setUp(s, sftp, { auth: { password: "wrong" } });
      const many = Array.from({ length: 2500 }, (_, i) => ({ id: `c${String(i).padStart(4, "0")}@example.com`, firstName: `N${i}` }));
      await contacts(s, many);
      await campaign(s, "big", [{ id: "x1", type: "action.exportData", params: { destination: "crm", path: "big.csv", fields: ["email", "firstName"] } }]);
      await launch(s, "big");
      s.clock.set(s.clock.now() + SETTLE);
      const u = uploader(s, { maxClaims: 2 });
      expect(await u.runOnce()).toBe(1);
      let [f] = await files(s, p.auth);
      expect(f).toMatchObject({ status: "pending", attempts: 1 });
      expect(f.lastError).toContain("refused the credentials of relais");
      expect(await u.runOnce()).toBe(1);
      [f] = await files(s, p.auth, "?status=failed");
      expect(f).toMatchObject({ status: "failed", attempts: 2, bytes: null });
      expect(f.lastError).toContain("wrong password or key");
      expect(JSON.stringify(await files(s, p.auth))).not.toContain("wrong\"");
      expect(await u.runOnce()).toBe(0);
      expect(fs.readdirSync(path.join(root, "in"))).toEqual([]);

      const put = await s.call("PUT", "/api/v1/projects/shop/destinations/crm", p.auth, { host: "127.0.0.1", port: sftp.port, username: "relais", directory: "/in", hostKey: sftp.fingerprint, auth: { password: "secret" } });
      expect(put.statusCode, put.body).toBe(200);
      const retry = await s.call("POST", `/api/v1/projects/shop/files/${f.id}/retry`, p.auth);
      expect(retry.statusCode, retry.body).toBe(200);
      expect(retry.json()).toMatchObject({ id: f.id, status: "pending", attempts: 0 });
      expect(await u.runOnce()).toBe(1);
      const lines = fs.readFileSync(path.join(root, "in", "big.csv"), "utf8").split("\r\n");
      expect(lines[0]).toBe("email,firstName");
      expect(lines.slice(1, -1)).toEqual(many.map((c) => `${c.id},${c.firstName}`));
      expect(lines[lines.length - 1]).toBe("");
      expect((await files(s, p.auth))[0]).toMatchObject({ status: "uploaded", rows: 2500, lastError: null });
      // Only a failed file can be retried; another project's or an unknown file is not found.
      const again = await s.call("POST", `/api/v1/projects/shop/files/${f.id}/retry`, p.auth);
      expect(again.statusCode).toBe(409);
      expect(again.json().detail).toContain("uploaded, not failed");
      expect((await s.call("POST", "/api/v1/projects/shop/files/999999/retry", p.auth)).statusCode).toBe(404);
      const other = await s.project({ id: "other" });
      expect((await s.call("POST", `/api/v1/projects/other/files/${f.id}/retry`, other.auth)).statusCode).toBe(404);
      expect((await s.call("GET", "/api/v1/projects/other/files", other.auth)).json().files).toEqual([]);
    });

    it("a destination without server or credentials fails the file with a clear error", async () => {
      const { s, sftp } = await start();
      const p = await setUp(s, sftp);
      await s.ctx.projects.updateConfig("shop", (c) => ({ ...c, destinations: [...c.destinations, { key: "bare", type: "sftp" }] }));
      await contacts(s, [{ id: "ann@example.com" }]);
      await campaign(s, "bare", [{ id: "x1", type: "action.exportData", params: { destination: "bare", path: "a.csv", fields: ["email"] } }]);
      await launch(s, "bare");
      s.clock.set(s.clock.now() + SETTLE);
      const u = uploader(s, { maxClaims: 1 });
      expect(await u.runOnce()).toBe(1);
      const [f] = await files(s, p.auth);
      expect(f.status).toBe("failed");
      expect(f.lastError).toBe("destination bare has no host, username, host key or stored credentials: set them (PUT /destinations/bare), then retry the file");
    });

    it("a connection cut mid-upload is retried: the final file is complete, no temporary file is left", async () => {
      const { s, sftp, root } = await start();
      const p = await setUp(s, sftp);
      const many = Array.from({ length: 4000 }, (_, i) => ({ id: `c${String(i).padStart(4, "0")}@example.com`, firstName: `Contact number ${i}` }));
      await contacts(s, many);
      await campaign(s, "big", [{ id: "x1", type: "action.exportData", params: { destination: "crm", path: "big.csv", fields: ["email", "firstName"] } }]);
      await launch(s, "big");
      s.clock.set(s.clock.now() + SETTLE);
      sftp.state.cutAfterBytes = 60_000;
      expect(await uploader(s).runOnce()).toBe(1);
      expect(sftp.state.cutAfterBytes).toBeUndefined();
      const text = fs.readFileSync(path.join(root, "in", "big.csv"), "utf8");
      expect(text.split("\r\n").slice(1, -1)).toEqual(many.map((c) => `${c.id},${c.firstName}`));
      expect(fs.readdirSync(path.join(root, "in"))).toEqual(["big.csv"]);
      expect((await files(s, p.auth))[0]).toMatchObject({ status: "uploaded", attempts: 1, bytes: Buffer.byteLength(text) });
    });

    it("authenticates with a private key", async () => {
      const client = ed25519KeyPair();
      const { s, sftp, root } = await start({ authorizedKey: client.public, password: "not this one" });
      const p = await setUp(s, sftp, { auth: { privateKey: client.private } });
      await contacts(s, [{ id: "ann@example.com", firstName: "Ann" }]);
      await campaign(s, "welcome", [{ id: "x1", type: "action.exportData", params: { destination: "crm", path: "k.csv", fields: ["email", "firstName"] } }]);
      await launch(s, "welcome");
      s.clock.set(s.clock.now() + SETTLE);
      expect(await uploader(s).runOnce()).toBe(1);
      expect(fs.readFileSync(path.join(root, "in", "k.csv"), "utf8")).toBe("email,firstName\r\nann@example.com,Ann\r\n");
      expect((await files(s, p.auth))[0].status).toBe("uploaded");
    });

    it("postal history counts only the files the destination received", async () => {
      const { s, sftp } = await start();
      await setUp(s, sftp);
      await contacts(s, [
        { id: "ann@example.com", address: "1 rue Saint-Denis", postalCode: "h2x1y4", mail: true },
        { id: "bob@example.com", address: "2 rue Ontario", postalCode: "H2L 1N9", mail: true },
      ]);
      await campaign(s, "mailing", [{ id: "m1", type: "action.postalMailing", params: { communicationType: "mail", destination: "crm", path: "mailing.csv" } }]);
      await campaign(s, "update", [{ id: "u1", type: "action.postalUpdate", params: { communicationType: "mail", mode: "update", destination: "crm", path: "update.csv" } }]);
      await campaign(s, "remove", [{ id: "r1", type: "action.postalUpdate", params: { communicationType: "mail", mode: "remove", destination: "crm", path: "remove.csv" } }]);
      const rowsOf = async (id: string) => (await s.store.campaignFiles(id)).map((f) => f.rows);
      const u = uploader(s);

      await launch(s, "mailing");
      expect(await rowsOf("mailing")).toEqual([[{ id: "ann@example.com", address: "1 rue Saint-Denis", postalCode: "H2X 1Y4" }, { id: "bob@example.com", address: "2 rue Ontario", postalCode: "H2L 1N9" }]]);
      // Ann moves, Bob unsubscribes, before the mailing file was uploaded: no earlier postal file yet.
      s.clock.set(s.clock.now() + 60_000);
      await contacts(s, [{ id: "ann@example.com", address: "9 avenue du Parc", postalCode: "H2V 4E7", mail: true }, { id: "bob@example.com", address: "2 rue Ontario", postalCode: "H2L 1N9", mail: false }]);
      await launch(s, "update");
      await launch(s, "remove");
      expect(await rowsOf("update")).toEqual([[]]);
      expect(await rowsOf("remove")).toEqual([[]]);

      // The mailing file reaches the destination (with the empty ones): now it counts.
      s.clock.set(s.clock.now() + SETTLE);
      expect(await u.runOnce()).toBe(3);
      s.clock.set(s.clock.now() + 60_000);
      await launch(s, "update");
      await launch(s, "remove");
      expect((await rowsOf("update"))[1]).toEqual([{ id: "ann@example.com", address: "9 avenue du Parc", postalCode: "H2V 4E7" }]);
      expect((await rowsOf("remove"))[1]).toEqual([{ id: "bob@example.com", address: "2 rue Ontario", postalCode: "H2L 1N9" }]);

      // Those two are not uploaded yet: the same update and removal are listed again by the next runs.
      s.clock.set(s.clock.now() + 60_000);
      await launch(s, "update");
      await launch(s, "remove");
      expect((await rowsOf("update"))[2]).toHaveLength(1);
      expect((await rowsOf("remove"))[2]).toHaveLength(1);
      // Once delivered, they are not.
      s.clock.set(s.clock.now() + SETTLE);
      expect(await u.runOnce()).toBe(4);
      s.clock.set(s.clock.now() + 60_000);
      await launch(s, "update");
      await launch(s, "remove");
      expect((await rowsOf("update"))[3]).toEqual([]);
      expect((await rowsOf("remove"))[3]).toEqual([]);
    });

    // SKIP LOCKED is PostgreSQL's; SQLite runs one process on its file.
    if (name === "postgres") it("two uploaders working at once never upload the same file", async () => {
      const { s, sftp, root } = await start();
      const p = await setUp(s, sftp);
      await contacts(s, Array.from({ length: 50 }, (_, i) => ({ id: `c${i}@example.com`, firstName: `N${i}` })));
      const n = 8;
      await campaign(s, "many", Array.from({ length: n }, (_, i) => ({ id: `x${i}`, type: "action.exportData", params: { destination: "crm", path: `f${i}.csv`, fields: ["email"] } })));
      await launch(s, "many");
      s.clock.set(s.clock.now() + SETTLE);
      const a = uploader(s, { batch: 1 });
      const b = uploader(s, { batch: 1 });
      const drain = async (u: Uploader) => { let k = 0; while ((await u.runOnce()) > 0) k++; return k; };
      const [ka, kb] = await Promise.all([drain(a), drain(b)]);
      expect(ka + kb).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(sftp.state.opensForWrite.get(`/in/.f${i}.csv.part`), `f${i}.csv`).toBe(1);
        expect(fs.readFileSync(path.join(root, "in", `f${i}.csv`), "utf8").split("\r\n")).toHaveLength(52);
      }
      expect((await files(s, p.auth)).map((f) => [f.status, f.attempts])).toEqual(Array.from({ length: n }, () => ["uploaded", 1]));
      // The claims themselves, at once from two transactions: disjoint.
      await s.store.execute("UPDATE files SET status = 'pending', attempts = 0", []);
      const now = s.clock.now();
      const [c1, c2] = await Promise.all([s.store.claimFiles(now, now + 60_000, "one", n), s.store.claimFiles(now, now + 60_000, "two", n)]);
      const ids = [...c1, ...c2].map((f) => f.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(n);
    });
  });
}
