import { afterEach, describe, expect, it } from "vitest";
import { CampaignDocument } from "../../src/model/index.js";
import { loadServeConfig } from "../../src/server/config.js";
import { SERVER_STORES, testServer, type TestServer } from "./helper.js";

const T0 = Date.parse("2026-12-01T13:00:00Z");
/** 10:00 in Toronto, the project's send hour: when optimized sends with no history go out. */
const SEND_HOUR = Date.parse("2026-12-01T15:00:00Z");

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (line.slice(0, cut) === series) return Number(line.slice(cut + 1));
  }
  return undefined;
}

/** A campaign whose email waits for the send hour: after the first tick its messages sit queued in the outbox. */
async function setUp(s: TestServer) {
  const p = await s.project({ id: "shop" });
  await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, communicationTypes: [{ key: "news", channel: "email" }] }));
  const doc = CampaignDocument.parse({
    id: "hello", name: "Hello",
    elements: [
      { id: "t1", type: "trigger.contactCreated", params: {} },
      { id: "a1", type: "action.sendEmail", params: { communicationType: "news", optimizedSendTime: true, message: { subject: "Hi", html: "<p>Hi</p>" } } },
      { id: "d1", type: "delay.period", params: { amount: 1, unit: "days" } },
      { id: "e1", type: "end.success", params: {} },
    ],
    connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "e1" }],
  });
  await s.ctx.engine.saveCampaign(p.id, doc);
  await s.ctx.engine.activate("hello");
  for (const email of ["a@example.com", "b@example.com", "c@example.com"]) {
    await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: email, fields: { email }, subscriptions: { news: email !== "c@example.com" } } });
  }
  return p;
}

for (const { name } of SERVER_STORES) {
  describe(`metrics (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    const scrape = async (headers: Record<string, string> = {}) => {
      const r = await s.call("GET", "/metrics", headers);
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toContain("text/plain");
      return r.body;
    };

    it("exposes contacts inside each campaign, the outbox depth and messages by status as the engine runs", async () => {
      s = await testServer(name);
      await setUp(s);
      let text = await scrape();
      // Entered, not yet moved: the three contacts are inside, nothing is written to the outbox.
      expect(sample(text, 'relais_tokens_waiting{project="shop",campaign="hello"}')).toBe(3);
      expect(sample(text, "relais_outbox_depth")).toBe(0);
      expect(sample(text, "relais_steps_total")).toBe(0);

      s.clock.set(T0);
      await s.ctx.engine.tick();
      text = await scrape();
      expect(sample(text, 'relais_tokens_waiting{project="shop",campaign="hello"}')).toBe(3);
      expect(sample(text, "relais_outbox_depth")).toBe(2);
      expect(sample(text, 'relais_messages_total{channel="email",status="queued"}')).toBe(2);
      expect(sample(text, 'relais_messages_total{channel="email",status="skipped"}')).toBe(1);
      // t1 → a1 → d1 for three contacts: six contact-steps.
      expect(sample(text, "relais_steps_total")).toBe(6);

      s.clock.set(SEND_HOUR);
      await s.ctx.engine.tick();
      text = await scrape();
      expect(sample(text, "relais_outbox_depth")).toBe(0);
      expect(sample(text, 'relais_messages_total{channel="email",status="sent"}')).toBe(2);
      expect(sample(text, 'relais_messages_total{channel="email",status="queued"}')).toBeUndefined();

      s.clock.set(T0 + 86_400_000);
      await s.ctx.engine.tick();
      text = await scrape();
      // Every journey ended; the live campaign still shows, at 0.
      expect(sample(text, 'relais_tokens_waiting{project="shop",campaign="hello"}')).toBe(0);
      const steps = (await s.store.steps("hello")).filter((x) => x.exit !== null).length;
      expect(steps).toBe(9);
      expect(sample(text, "relais_steps_total")).toBe(steps);
    });

    it("counts HTTP requests by route pattern and status, with their durations, and the process metrics", async () => {
      s = await testServer(name);
      const p = await setUp(s);
      for (let i = 0; i < 3; i++) expect((await s.call("GET", "/api/v1/projects/shop/outbox", p.auth)).statusCode).toBe(200);
      await s.call("GET", "/api/v1/projects/shop/outbox?colour=blue", p.auth);
      await s.call("GET", "/api/v1/projects/nowhere/outbox", p.auth);
      await s.call("GET", "/api/v1/no/such/path", p.auth); // outside /api the web app answers (its own page)
      const text = await scrape();
      const route = "/api/v1/projects/:projectId/outbox";
      expect(sample(text, `relais_http_requests_total{method="GET",route="${route}",status="200"}`)).toBe(3);
      expect(sample(text, `relais_http_requests_total{method="GET",route="${route}",status="400"}`)).toBe(1);
      expect(sample(text, `relais_http_requests_total{method="GET",route="${route}",status="404"}`)).toBe(1);
      expect(sample(text, 'relais_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
      expect(text).not.toContain("/no/such/path");
      expect(text).not.toContain("nowhere");
      expect(sample(text, `relais_http_request_duration_seconds_count{method="GET",route="${route}"}`)).toBe(5);
      expect(sample(text, `relais_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="${route}"}`)).toBe(5);
      expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
      expect(text).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
      expect(text).toContain("# TYPE relais_steps_total counter");
    });

    it("keeps each app's figures apart: a second server starts from zero", async () => {
      s = await testServer(name);
      await setUp(s);
      s.clock.set(T0);
      await s.ctx.engine.tick();
      expect(sample(await scrape(), "relais_steps_total")).toBe(6);
      const first = s;
      s = await testServer(name);
      try {
        expect(sample(await scrape(), "relais_steps_total")).toBe(0);
      } finally {
        await first.close();
      }
    });

    it("is public by default and, with a metrics token set, answers only to that token", async () => {
      s = await testServer(name);
      await scrape();
      s.ctx.metricsToken = "a-long-metrics-token-123";
      const none = await s.call("GET", "/metrics", {});
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe("unauthorized");
      expect(none.headers["www-authenticate"]).toContain("Bearer");
      expect((await s.call("GET", "/metrics", { authorization: "Bearer wrong-token" })).statusCode).toBe(401);
      // A project API key is not the metrics token.
      const p = await s.project({ id: "shop" });
      expect((await s.call("GET", "/metrics", p.auth)).statusCode).toBe(401);
      expect(sample(await scrape({ authorization: "Bearer a-long-metrics-token-123" }), "relais_outbox_depth")).toBe(0);
    });

    it("is described in the OpenAPI document as Prometheus text", async () => {
      s = await testServer(name);
      const doc = (await s.call("GET", "/docs/json", {})).json();
      expect(Object.keys(doc.paths["/metrics"].get.responses["200"].content)).toEqual(["text/plain"]);
    });

    it("reads the metrics token from RELAIS_METRICS_TOKEN and refuses a short one", () => {
      expect(loadServeConfig({ RELAIS_METRICS_TOKEN: "a-long-metrics-token-123" }).metricsToken).toBe("a-long-metrics-token-123");
      expect(loadServeConfig({}).metricsToken).toBeUndefined();
      expect(() => loadServeConfig({ RELAIS_METRICS_TOKEN: "short" })).toThrow(/RELAIS_METRICS_TOKEN needs at least 16 characters/);
    });
  });
}
