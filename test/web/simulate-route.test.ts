import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const WELCOME = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "welcome.json"), "utf8"));

describe.each(SERVER_STORES.map((s) => s.name))("POST /projects/:p/simulate (%s)", (storeName) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  it("runs a scenario on the project's configuration and returns relais simulate's report", async () => {
    server = await testServer(storeName);
    const p = await server.project();
    const a = await server.call("POST", `/api/v1/projects/${p.id}/fields`, p.auth, { key: "firstName", type: "text" });
    expect(a.statusCode).toBe(201);
    const b = await server.call("POST", `/api/v1/projects/${p.id}/communication-types`, p.auth, { key: "newsletter", channel: "email" });
    expect(b.statusCode).toBe(201);
    const { project: _project, expected, ...scenario } = WELCOME;
    const res = await server.call("POST", `/api/v1/projects/${p.id}/simulate`, p.auth, scenario);
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.valid).toBe(true);
    expect(out.outcomes).toEqual(expected.outcomes);
    expect(out.elements.k1).toMatchObject({ entered: 2, exits: { true: 1, false: 1 } });
    expect(out.messages).toHaveLength(3);
    // Nothing of the simulation lands in the project.
    const outbox = await server.call("GET", `/api/v1/projects/${p.id}/outbox`, p.auth);
    expect(outbox.statusCode).toBe(200);
    expect(outbox.json().messages).toEqual([]);
  });

  it("reports an invalid campaign's findings without running it, and refuses a malformed scenario with where", async () => {
    server = await testServer(storeName);
    const p = await server.project();
    const invalid = await server.call("POST", `/api/v1/projects/${p.id}/simulate?lang=en`, p.auth, {
      start: "2026-12-01T08:00:00Z", until: "2026-12-02T08:00:00Z", campaign: { id: "c", elements: [{ id: "e1", type: "end.success" }] },
    });
    expect(invalid.statusCode).toBe(200);
    expect(invalid.json().valid).toBe(false);
    expect(invalid.json().errors.map((f: { code: string }) => f.code)).toContain("E_NO_TRIGGER");
    const bad = await server.call("POST", `/api/v1/projects/${p.id}/simulate`, p.auth, { start: "yesterday", until: "2026-12-02T08:00:00Z", campaign: { elements: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("invalid_input");
    expect(bad.json().detail).toMatch(/start/);
  });
});
