import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { DATABASE_URL, dropSchemas, freshSchema } from "../store/stores.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "relais.js");
const dir = mkdtempSync(join(tmpdir(), "relais-cli-"));
const welcome = JSON.parse(readFileSync(join(ROOT, "examples", "welcome.json"), "utf8"));

function relais(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: ROOT });
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "src", "cli", "main.js"))) spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
});

describe("relais simulate", () => {
  it("prints the run as JSON and exits 0 for a valid scenario", () => {
    const r = relais("simulate", join(ROOT, "examples", "welcome.json"));
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(true);
    expect(out.outcomes.success).toBe(1);
    expect(out.messages[0]).toMatchObject({ contact: "c1", element: "a1", status: "sent", subject: "Bienvenue Ann" });
  });

  it("prints the findings and exits 1 for an invalid campaign", () => {
    const broken = { ...welcome, campaign: { ...welcome.campaign, elements: welcome.campaign.elements.filter((e: { type: string }) => !e.type.startsWith("trigger.")) } };
    const r = relais("simulate", file("invalid.json", broken));
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.valid).toBe(false);
    expect(out.errors.map((f: { code: string }) => f.code)).toContain("E_NO_TRIGGER");
  });

  it("reports missing parameters as E_PARAMS findings with their path (exit 1)", () => {
    const el = welcome.campaign.elements.map((e: { id: string; params: object }) => (e.id === "d1" ? { ...e, params: { unit: "days" } } : e));
    const r = relais("simulate", file("params.json", { ...welcome, campaign: { ...welcome.campaign, elements: el } }));
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).errors).toContainEqual(expect.objectContaining({ code: "E_PARAMS", element: "d1", path: "params.amount" }));
  });

  it("exits 2 and says so when the file is not JSON", () => {
    const r = relais("simulate", file("not-json.json", "{ nope"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not JSON/);
  });

  it("exits 2 and names the place of an event with a bad time", () => {
    const events = [...welcome.events];
    events[2] = { ...events[2], at: "tomorrow" };
    const r = relais("simulate", file("bad-time.json", { ...welcome, events }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("events[2].at: expected an ISO date-time");
  });

  it("exits 2 and names the place of an element without id or type", () => {
    const elements = [...welcome.campaign.elements];
    elements[1] = { type: "action.sendEmail", params: {} };
    const r = relais("simulate", file("no-id.json", { ...welcome, campaign: { ...welcome.campaign, elements } }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("campaign.elements[1].id");
  });

  it("exits 2 when the campaign has no elements", () => {
    const { elements: _, ...campaign } = welcome.campaign;
    const r = relais("simulate", file("no-elements.json", { ...welcome, campaign }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("campaign.elements");
  });

  it("exits 2 when an event names a contact that does not exist", () => {
    const events = [{ at: "2026-12-01T09:00:00-05:00", type: "contact.subscribed", contact: "ghost", communicationType: "newsletter" }];
    const r = relais("simulate", file("ghost.json", { ...welcome, events }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('events[0].contact: no contact "ghost"');
  });

  it("exits 2 when the file does not exist", () => {
    const r = relais("simulate", join(dir, "missing.json"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read/);
  });
});

describe("relais validate", () => {
  it("prints only the validation result", () => {
    const r = relais("validate", join(ROOT, "examples", "welcome.json"));
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it("speaks English when asked", () => {
    const broken = { ...welcome, campaign: { ...welcome.campaign, connections: [] } };
    const r = relais("validate", "--lang", "en", file("open.json", broken));
    const out = JSON.parse(r.stdout);
    expect(out.warnings.length).toBeGreaterThan(0);
    expect(out.warnings[0].message).toBe(out.warnings[0].messages.en);
  });
});

describe("relais migrate", () => {
  it("creates the embedded SQLite database where RELAIS_SQLITE_FILE says, and is idempotent", () => {
    const db = join(dir, "data", "relais.sqlite");
    const env = { ...process.env, DATABASE_URL: "", RELAIS_SQLITE_FILE: db };
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, [BIN, "migrate"], { encoding: "utf8", cwd: ROOT, env });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`SQLite ${db} is up to date`);
    }
    expect(existsSync(db)).toBe(true);
  });

  it("says which database it could not reach, without its password", () => {
    const env = { ...process.env, DATABASE_URL: "postgres://relais:s3cret@127.0.0.1:1/none" };
    const r = spawnSync(process.execPath, [BIN, "migrate"], { encoding: "utf8", cwd: ROOT, env });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot migrate PostgreSQL postgres://relais:***@127.0.0.1:1/none");
    expect(r.stderr + r.stdout).not.toContain("s3cret");
  });
});

describe.skipIf(!DATABASE_URL)("relais migrate on PostgreSQL (DATABASE_URL)", () => {
  it("creates the schema it is given, twice without error", async () => {
    const schema = freshSchema("relais_cli");
    const env = { ...process.env, RELAIS_PG_SCHEMA: schema };
    try {
      for (let i = 0; i < 2; i++) {
        const r = spawnSync(process.execPath, [BIN, "migrate"], { encoding: "utf8", cwd: ROOT, env });
        expect(r.stderr).toBe("");
        expect(r.stdout).toContain(`(schema ${schema}) is up to date`);
      }
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'journeys'", [schema]);
        expect(rows[0].n).toBe(1);
      } finally {
        await client.end();
      }
    } finally {
      await dropSchemas(DATABASE_URL!, [schema]);
    }
  });
});
