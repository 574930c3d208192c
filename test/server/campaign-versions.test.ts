import { afterEach, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { Engine } from "../../src/engine/engine.js";
import { MIGRATED_EXIT } from "../../src/store/store.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Element = { id: string; type: string; params: Record<string, unknown> };
type Doc = { name: string; elements: Element[]; connections: { from: string; exit: string; to: string }[] };

const email = (subject: string): Element["params"] => ({ communicationType: "newsletter", message: { subject, html: `<p>${subject}</p>` } });
const chain = (ids: string[]) => ids.slice(1).map((to, i) => ({ from: ids[i], exit: "next", to }));

/** Version 1: a first email, a one-day wait, a second email, a success. */
const V1: Doc = {
  name: "Relance",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "a1", type: "action.sendEmail", params: email("Un") },
    { id: "w1", type: "delay.period", params: { amount: 1, unit: "days" } },
    { id: "a2", type: "action.sendEmail", params: email("Deux") },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: chain(["t1", "a1", "w1", "a2", "e1"]),
};

/** V1 with the one-day wait replaced by a two-hour wait of another id. */
const WITHOUT_W1: Doc = {
  ...V1,
  elements: [...V1.elements.filter((e) => e.id !== "w1"), { id: "w2", type: "delay.period", params: { amount: 2, unit: "hours" } }],
  connections: chain(["t1", "a1", "w2", "a2", "e1"]),
};

const AX_TEST: Doc = {
  name: "Test A/B",
  elements: [
    { id: "t1", type: "trigger.manual", params: {} },
    { id: "s1", type: "split.axTest", params: { variants: [{ key: "A", percent: 25 }, { key: "B", percent: 25 }], winner: { mode: "manual" } } },
    { id: "a1", type: "action.sendEmail", params: email("Version A") },
    { id: "a2", type: "action.sendEmail", params: email("Version B") },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [
    { from: "t1", exit: "next", to: "s1" }, { from: "s1", exit: "A", to: "a1" }, { from: "s1", exit: "B", to: "a2" },
    { from: "a1", exit: "next", to: "e1" }, { from: "a2", exit: "next", to: "e1" },
  ],
};

const PEOPLE = ["ann", "bob", "cy", "dee", "eve", "fay", "gus", "hal"];

for (const { name } of SERVER_STORES) {
  describe(`campaign versions (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    /** A project with subscribed contacts and an active campaign launched once (its contacts at w1 after a tick). */
    async function launched(doc: Doc = V1, people = PEOPLE.slice(0, 2)) {
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, communicationTypes: [{ key: "newsletter", channel: "email" }] }));
      for (const who of people) {
        await s.ctx.engine.contactEvent(p.id, {
          type: "contact.created", contact: { id: `${who}@example.com`, fields: { email: `${who}@example.com` }, subscriptions: { newsletter: true } },
        });
      }
      const call = (method: string, path: string, body?: unknown) => s.call(method, `/api/v1/projects/${p.id}/campaigns${path}`, p.auth, body);
      const created = await call("POST", "", { document: doc });
      const id = created.json().id as string;
      expect((await call("POST", `/${id}/activate`)).statusCode).toBe(200);
      expect((await call("POST", `/${id}/launch`)).statusCode).toBe(200);
      await s.ctx.engine.tick();
      return { id, call };
    }

    const journeys = async (id: string) => (await s.store.journeys(id)).map((j) => ({ contact: j.contactId, element: j.element, outcome: j.outcome, endedAt: j.endedAt }));
    const subjects = async (id: string) => (await s.store.campaignMessages(id)).map((m) => m.payload.subject);

    it("publishes a version that keeps the elements where contacts wait: they go on there, through the new path", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      const v2: Doc = {
        ...V1,
        elements: [...V1.elements.map((e) => (e.id === "w1" ? { ...e, params: { amount: 3, unit: "days" } } : e)), { id: "a3", type: "action.sendEmail", params: email("Trois") }],
        connections: chain(["t1", "a1", "w1", "a3", "a2", "e1"]),
      };
      s.clock.set(T0 + HOUR);
      const r = await call("PUT", `/${id}`, { document: v2 });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ status: "active", version: 2, migrated: [], valid: true });
      expect(r.json().document.elements.map((e: Element) => e.id)).toContain("a3");
      expect((await call("GET", `/${id}/versions`)).json().versions).toEqual([{ version: 1, publishedAt: T0 }, { version: 2, publishedAt: T0 + HOUR }]);
      expect((await call("GET", `/${id}/versions/1`)).json().document.elements.map((e: Element) => e.id)).not.toContain("a3");

      // Those already waiting keep the due time they got on arrival; the new path applies after it.
      s.clock.set(T0 + DAY);
      await s.ctx.engine.tick();
      expect(await subjects(id)).toEqual(["Un", "Un", "Trois", "Trois", "Deux", "Deux"]);
      expect((await journeys(id)).map((j) => [j.outcome, j.endedAt])).toEqual([["success", T0 + DAY], ["success", T0 + DAY]]);

      const same = await call("PUT", `/${id}`, { document: v2 });
      expect(same.json().version).toBe(2);
      expect((await call("GET", `/${id}/versions`)).json().versions).toHaveLength(2);
    });

    it("refuses a version that removes an element holding contacts until told where they go, and changes nothing meanwhile", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      const before = JSON.stringify(await s.store.getCampaign(id));
      const refused = await call("PUT", `/${id}`, { document: WITHOUT_W1 });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: "migration_required", elements: [{ element: "w1", type: "delay.period", waiting: 2 }] });
      expect(refused.json().detail).toContain("w1 (2)");
      expect(JSON.stringify(await s.store.getCampaign(id))).toBe(before);
      expect((await call("GET", `/${id}/versions`)).json().versions).toHaveLength(1);
      expect((await journeys(id)).map((j) => j.element)).toEqual(["w1", "w1"]);

      s.clock.set(T0 + HOUR);
      const moved = await call("PUT", `/${id}`, { document: WITHOUT_W1, migrations: { w1: "w2" } });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ version: 2, migrated: [{ element: "w1", to: "w2", contacts: 2 }] });
      // Moved contacts arrive at w2 now and wait its two hours from here.
      await s.ctx.engine.tick();
      expect((await journeys(id)).map((j) => j.element)).toEqual(["w2", "w2"]);
      s.clock.set(T0 + 3 * HOUR);
      await s.ctx.engine.tick();
      expect(await subjects(id)).toEqual(["Un", "Un", "Deux", "Deux"]);
      expect((await journeys(id)).map((j) => [j.outcome, j.endedAt])).toEqual([["success", T0 + 3 * HOUR], ["success", T0 + 3 * HOUR]]);
      const [first] = await s.store.journeys(id);
      expect((await s.store.steps(id)).filter((st) => st.journey === first.id).map((st) => [st.element, st.exit, st.at])).toEqual([
        ["t1", "next", T0], ["a1", "next", T0], ["w1", MIGRATED_EXIT, T0 + HOUR], ["w2", "next", T0 + 3 * HOUR], ["a2", "next", T0 + 3 * HOUR], ["e1", null, T0 + 3 * HOUR],
      ]);
    });

    it("ends the contacts of a removed element with the chosen outcome, counted on that element", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      s.clock.set(T0 + HOUR);
      const r = await call("PUT", `/${id}`, { document: WITHOUT_W1, migrations: { w1: "end:abandon" } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().migrated).toEqual([{ element: "w1", to: "end:abandon", contacts: 2 }]);
      expect((await journeys(id)).map((j) => [j.element, j.outcome, j.endedAt])).toEqual([[null, "abandon", T0 + HOUR], [null, "abandon", T0 + HOUR]]);
      expect(await s.store.elementStats(id)).toEqual(expect.arrayContaining([{ element: "w1", exit: MIGRATED_EXIT, n: 2 }]));
      expect(await s.store.outcomeCounts(id)).toEqual(new Map([["abandon", 2]]));
      s.clock.set(T0 + 2 * DAY);
      await s.ctx.engine.tick();
      expect(await subjects(id)).toEqual(["Un", "Un"]);
    });

    it("treats an element whose type changed as removed: its contacts restart at the new one when told so", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      const retyped: Doc = { ...V1, elements: V1.elements.map((e) => (e.id === "w1" ? { id: "w1", type: "delay.weekdays", params: { days: ["MO"], time: "09:00" } } : e)) };
      const refused = await call("PUT", `/${id}`, { document: retyped });
      expect(refused.json().elements).toEqual([{ element: "w1", type: "delay.period", waiting: 2 }]);
      const r = await call("PUT", `/${id}`, { document: retyped, migrations: { w1: "w1" } });
      expect(r.statusCode, r.body).toBe(200);
      await s.ctx.engine.tick();
      // 2026-12-01 is a Tuesday: the next Monday 09:00 in Toronto is 2026-12-07T14:00Z.
      s.clock.set(Date.parse("2026-12-07T14:00:00Z"));
      await s.ctx.engine.tick();
      expect((await journeys(id)).map((j) => [j.outcome, j.endedAt])).toEqual([["success", s.clock.now()], ["success", s.clock.now()]]);
    });

    it("refuses an invalid version (422 with findings) and bad migrations (400 with paths), writing nothing", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      const before = JSON.stringify(await s.store.getCampaign(id));
      const invalid = await call("PUT", `/${id}?lang=en`, { document: { ...V1, elements: V1.elements.filter((e) => !e.type.startsWith("action.")), connections: [] } });
      expect(invalid.statusCode).toBe(422);
      expect(invalid.json().code).toBe("invalid_campaign");
      expect(invalid.json().findings.map((f: { code: string }) => f.code)).toContain("E_NO_ACTION");
      const bad: [Record<string, string>, string][] = [
        [{ w1: "nowhere" }, "body.migrations.w1"],
        [{ w1: "t1" }, "body.migrations.w1"],
        [{ w1: "end:bogus" }, "body.migrations.w1"],
        [{ w1: "w2", a1: "w2" }, "body.migrations.a1"],
        [{ w1: "w2", w2: "e1" }, "body.migrations.w2"],
      ];
      for (const [migrations, path] of bad) {
        const r = await call("PUT", `/${id}`, { document: WITHOUT_W1, migrations });
        expect(r.statusCode, JSON.stringify(migrations)).toBe(400);
        expect(r.json().errors.map((e: { path: string }) => e.path)).toContain(path);
      }
      expect((await call("PUT", `/${id}`, { document: WITHOUT_W1, migrations: { w1: 5 } })).statusCode).toBe(400);
      expect(JSON.stringify(await s.store.getCampaign(id))).toBe(before);
      expect((await call("GET", `/${id}/versions`)).json().versions).toHaveLength(1);
      expect((await journeys(id)).map((j) => j.element)).toEqual(["w1", "w1"]);
    });

    it("moves the contacts of a paused campaign so that a retime resume adds no wait to them", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      s.clock.set(T0 + HOUR);
      await call("POST", `/${id}/pause`);
      s.clock.set(T0 + 2 * HOUR);
      const r = await call("PUT", `/${id}`, { document: WITHOUT_W1, migrations: { w1: "w2" } });
      expect(r.json()).toMatchObject({ status: "paused", version: 2 });
      await s.ctx.engine.tick();
      s.clock.set(T0 + 5 * HOUR);
      await call("POST", `/${id}/resume`, { overdue: "retime" });
      await s.ctx.engine.tick();
      s.clock.set(T0 + 7 * HOUR);
      await s.ctx.engine.tick();
      expect((await journeys(id)).map((j) => [j.outcome, j.endedAt])).toEqual([["success", T0 + 7 * HOUR], ["success", T0 + 7 * HOUR]]);
    });

    it("forgets an A/X test's winner when the new version drops that variant, so its waiting contacts get a new one", async () => {
      s = await testServer(name);
      const { id, call } = await launched(AX_TEST, PEOPLE);
      expect((await call("POST", `/${id}/winners/s1`, { variant: "B" })).json().contacts).toBe(4);
      await s.ctx.engine.tick();
      const v2: Doc = {
        ...AX_TEST,
        elements: AX_TEST.elements.map((e) => (e.id === "s1" ? { ...e, params: { ...e.params, variants: [{ key: "A", percent: 25 }, { key: "C", percent: 25 }] } } : e)),
        connections: AX_TEST.connections.map((c) => (c.exit === "B" ? { ...c, exit: "C" } : c)),
      };
      expect((await call("PUT", `/${id}`, { document: v2 })).statusCode).toBe(200);
      expect((await s.store.getCampaign(id))!.state.winners).toEqual({});
      expect((await call("POST", `/${id}/launch`)).json().entered).toBe(8);
      await s.ctx.engine.tick();
      expect(await s.store.heldTokens(id, "s1")).toHaveLength(4);
      expect((await call("POST", `/${id}/winners/s1`, { variant: "C" })).json().contacts).toBe(4);
      await s.ctx.engine.tick();
      const sent = await subjects(id);
      expect(sent.filter((x) => x === "Version A")).toHaveLength(4);
      expect(sent.filter((x) => x === "Version B")).toHaveLength(12);
      expect((await journeys(id)).every((j) => j.outcome === "success")).toBe(true);
    });

    it("makes another engine (a worker) that cached the old version run the new one", async () => {
      s = await testServer(name);
      const { id, call } = await launched();
      const worker = new Engine({ store: s.store, clock: s.clock, transport: new CaptureTransport(true) });
      await worker.tick();
      const v2: Doc = { ...V1, elements: V1.elements.map((e) => (e.id === "a2" ? { ...e, params: email("Deux bis") } : e)) };
      expect((await call("PUT", `/${id}`, { document: v2 })).statusCode).toBe(200);
      s.clock.set(T0 + DAY);
      await worker.tick();
      expect(await subjects(id)).toEqual(["Un", "Un", "Deux bis", "Deux bis"]);
    });

    it("keeps drafts out of the version history: only activation and live edits publish", async () => {
      s = await testServer(name);
      const { call } = await launched();
      const draft = (await call("POST", "", { document: V1 })).json().id;
      expect((await call("PUT", `/${draft}`, { document: WITHOUT_W1 })).json()).toMatchObject({ version: null, migrated: [] });
      expect((await call("GET", `/${draft}/versions`)).json().versions).toEqual([]);
      expect((await call("POST", `/${draft}/activate`)).json().version).toBe(1);
    });
  });
}
