import { describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const project = (minScore: number) => ProjectConfig.parse({
  timezone: "America/Toronto",
  fields: [{ key: "email", type: "email", category: "uniqueKey" }, { key: "score", type: "number" }],
  personas: [{ key: "vip", rule: { field: "score", operator: "greaterThan", value: minScore } }],
});

describe("a project's configuration changed while its campaigns run", () => {
  it("is used for the next contacts, whether the change comes from this process or another one", async () => {
    const store = new SqliteStore(":memory:");
    await store.migrate();
    const clock = new VirtualClock(Date.parse("2026-12-01T14:00:00Z"));
    const engine = new Engine({ store, clock, transport: new CaptureTransport(true) });
    await store.putProject("p", project(90));
    await engine.saveCampaign("p", CampaignDocument.parse({
      id: "vip", name: "VIP",
      elements: [
        { id: "t", type: "trigger.contactCreated", params: {} },
        { id: "k", type: "condition.personas", params: { personas: ["vip"] } },
        { id: "yes", type: "end.success", params: {} },
        { id: "no", type: "end.failure", params: {} },
      ],
      connections: [{ from: "t", exit: "next", to: "k" }, { from: "k", exit: "true", to: "yes" }, { from: "k", exit: "false", to: "no" }],
    }));
    await engine.activate("vip");
    const enter = async (id: string) => {
      await engine.contactEvent("p", { type: "contact.created", contact: { id, fields: { email: id, score: 50 } } });
      await engine.tick();
      const j = (await store.journeys("vip")).find((x) => x.contactId === id);
      return j?.outcome;
    };
    expect(await enter("a@example.com")).toBe("failure");
    // The persona is widened (as the settings screen or another server process would): no restart needed.
    await store.putProject("p", project(10));
    expect(await enter("b@example.com")).toBe("success");
    await store.putProject("p", project(60));
    await engine.tick();
    expect(await enter("c@example.com")).toBe("failure");
    await store.close();
  });
});
