import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProjectConfig } from "../../src/model/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const ROOT = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "relais-cli-import-"));
const db = join(dir, "relais.sqlite");

/** The sources the import command is built from: dist is rebuilt when one is newer than its output. */
const SOURCES = ["bench/run.ts", "bench/import.ts", "src/cli/main.ts", "src/cli/import.ts", "src/contacts/csv-import.ts", "src/contacts/import-stage.ts", "src/contacts/import-mapping.ts", "src/contacts/import-decode.ts"];

beforeAll(async () => {
  const stale = SOURCES.some((src) => {
    const out = join(ROOT, "dist", src.replace(/\.ts$/, ".js"));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, src)).mtimeMs;
  });
  if (stale) spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
  const store = new SqliteStore(db);
  await store.migrate();
  await store.putProject("shop", ProjectConfig.parse({
    fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }, { key: "city", type: "text" }],
    communicationTypes: [{ key: "newsletter", channel: "email" }],
  }));
  await store.close();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function relais(...args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin", "relais.js"), ...args], {
    encoding: "utf8", cwd: dir, env: { ...process.env, DATABASE_URL: "", RELAIS_SQLITE_FILE: db },
  });
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function contacts() {
  const store = new SqliteStore(db);
  try {
    return await store.listContacts("shop");
  } finally {
    await store.close();
  }
}

describe("relais import", () => {
  it("imports a Windows-1252 file with a mapping, shows progress on stderr, prints the rejections and exits 1 when rows were rejected", async () => {
    const csv = Buffer.from("Courriel;Prénom;city;infolettre\r\nann@example.com;Anne-Marie;Québec;oui\r\nnot-an-email;Bob;Laval;non\r\nCY@example.com;Cy;Lévis;\r\n", "latin1");
    const r = relais("import", "--project", "shop", file("clients.csv", csv), "--encoding", "windows-1252",
      "--map", "Courriel=field:email", "--map", "Prénom=field:firstName", "--map", "infolettre=subscription:newsletter");
    expect(r.stderr).toContain("relais import: 3 rows in");
    expect(r.stdout).toMatch(/^imp-[0-9a-f]+ done: 3 rows, 2 created, 0 updated, 1 rejected/);
    expect(r.stdout).toContain('row 2 (line 3), Courriel: "not-an-email" is not an email address');
    expect(r.status).toBe(1);
    const list = await contacts();
    expect(list.map((c) => [c.id, c.fields.firstName, c.fields.city, c.subscriptions])).toEqual([
      ["ann@example.com", "Anne-Marie", "Québec", { newsletter: true }],
      ["cy@example.com", "Cy", "Lévis", {}],
    ]);
  });

  it("exits 0 and prints the import as JSON when every row is imported", async () => {
    const r = relais("import", "--project", "shop", file("more.csv", "email,firstName\nann@example.com,Annie\ndee@example.com,Dee\n"), "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "done", created: 1, updated: 1, rejected: 0, fileName: "more.csv", options: { delimiter: "," } });
  });

  it("exits 2 and writes nothing when the file is refused, the project unknown or an argument wrong", async () => {
    const before = (await contacts()).length;
    const bad = relais("import", "--project", "shop", file("latin.csv", Buffer.from("email,city\nzed@example.com,Montréal\n", "latin1")));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("the file is refused, nothing was imported: the file is not valid UTF-8");
    expect(bad.stderr).toContain("line 2");
    const unknown = relais("import", "--project", "shop", file("colour.csv", "email,colour\nzed@example.com,red\n"));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown column colour");
    expect(relais("import", "--project", "nope", file("ok.csv", "email\nzed@example.com\n")).stderr).toContain("no project nope");
    expect(relais("import", "--project", "shop", join(dir, "missing.csv")).status).toBe(2);
    expect(relais("import", "--project", "shop", file("ok2.csv", "email\nzed@example.com\n"), "--encoding", "ebcdic").status).toBe(2);
    expect(relais("import", "--project", "shop", file("ok3.csv", "email\nzed@example.com\n"), "--map", "email").status).toBe(2);
    expect((await contacts()).length).toBe(before);
  });
});

it("the import benchmark runs end to end and ends with its JSON line (a small size, not a timing)", () => {
  const r = spawnSync(process.execPath, [join(ROOT, "bin", "relais.js"), "bench", "import", "--contacts", "3000", "--dir", dir], { encoding: "utf8" });
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split("\n");
  const result = JSON.parse(lines[lines.length - 1]);
  expect(result).toMatchObject({ workload: "import", rows: 3000, created: 3000, rejected: 0, consentLogged: 3000 });
  for (const key of ["seconds", "rowsPerSecond", "peakRssMiB"]) expect(result[key]).toBeGreaterThan(0);
});
