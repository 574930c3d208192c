import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const AX = {
  name: "Test d'objet",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "x1", type: "split.axTest", params: { variants: [{ key: "A", percent: 50 }, { key: "B", percent: 50 }], winner: { mode: "manual" } } },
    { id: "e1", type: "end.success", params: {} },
    { id: "u1", type: "action.unsubscribeContacts", params: { mode: "unsubscribe" } },
    { id: "e2", type: "end.neutral", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "x1" }, { from: "x1", exit: "A", to: "e1" }, { from: "x1", exit: "B", to: "u1" }, { from: "u1", exit: "next", to: "e2" },
  ],
};

/** What the campaign list and the editor read: the last change (drafts too) and the A/X winners chosen. */
describe.each(SERVER_STORES.map((s) => s.name))("campaign list last change and winners (%s)", (storeName) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  it("gives every campaign its last change: creation and each save of a draft, then activation", async () => {
    server = await testServer(storeName);
    const p = await server.project();
    const base = `/api/v1/projects/${p.id}/campaigns`;
    const created = await server.call("POST", base, p.auth, { document: AX });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const list = async () => (await server.call("GET", base, p.auth)).json().campaigns.find((c: { id: string }) => c.id === id);
    expect(await list()).toMatchObject({ status: "draft", updatedAt: T0 });

    server.clock.set(T0 + 60_000);
    expect((await server.call("PUT", `${base}/${id}`, p.auth, { document: { ...AX, name: "Renommée" } })).statusCode).toBe(200);
    expect(await list()).toMatchObject({ name: "Renommée", status: "draft", updatedAt: T0 + 60_000 });

    server.clock.set(T0 + 120_000);
    const activated = await server.call("POST", `${base}/${id}/activate`, p.auth);
    expect(activated.statusCode, activated.body).toBe(200);
    expect(await list()).toMatchObject({ status: "active", activatedAt: T0 + 120_000, updatedAt: T0 + 120_000 });

    // Resuming sets no time of its own on the campaign: the last change still moves.
    server.clock.set(T0 + 180_000);
    expect((await server.call("POST", `${base}/${id}/pause`, p.auth)).statusCode).toBe(200);
    server.clock.set(T0 + 240_000);
    expect((await server.call("POST", `${base}/${id}/resume`, p.auth, { overdue: "now" })).statusCode).toBe(200);
    expect(await list()).toMatchObject({ status: "active", pausedAt: null, updatedAt: T0 + 240_000 });

    // Another project's list does not show it.
    const other = await server.project({ id: "other" });
    const theirs = await server.call("GET", `/api/v1/projects/${other.id}/campaigns`, other.auth);
    expect(theirs.json().campaigns).toEqual([]);
  });

  it("shows the A/X winner once chosen in the campaign it belongs to", async () => {
    server = await testServer(storeName);
    const p = await server.project();
    const base = `/api/v1/projects/${p.id}/campaigns`;
    const id = (await server.call("POST", base, p.auth, { document: AX })).json().id;
    const activated = await server.call("POST", `${base}/${id}/activate`, p.auth);
    expect(activated.statusCode, activated.body).toBe(200);
    expect((await server.call("GET", `${base}/${id}`, p.auth)).json().winners).toEqual({});
    const chosen = await server.call("POST", `${base}/${id}/winners/x1`, p.auth, { variant: "B" });
    expect(chosen.statusCode, chosen.body).toBe(200);
    const after = (await server.call("GET", `${base}/${id}`, p.auth)).json();
    expect(after.winners).toEqual({ x1: "B" });
    expect(after.status).toBe("active");
  });
});
