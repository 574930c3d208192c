import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ensureBuilt, startServe, type ServeProcess } from "./serve-process.js";

/**
 * The whole path a newcomer takes, on a real port with the engine on the wall clock: create a
 * project, configure it, import a CSV, activate a welcome campaign, subscribe a contact through
 * the API, and find the rendered email in the capture outbox within 2 seconds.
 */
const PASSWORD = "welcome flow password";

const WELCOME = {
  name: "Bienvenue",
  elements: [
    { id: "t1", type: "trigger.contactSubscribed", params: { communicationTypes: ["infolettre"] }, position: { x: 0, y: 0 } },
    { id: "a1", type: "action.sendEmail", params: { communicationType: "infolettre", message: { subject: "Bienvenue {{ contact.firstName }} !", html: "<p>Bonjour {{ contact.firstName }}</p>" } }, position: { x: 0, y: 120 } },
    { id: "e1", type: "end.success", params: {}, position: { x: 0, y: 240 } },
  ],
  connections: [
    { from: "t1", exit: "next", to: "a1" },
    { from: "a1", exit: "next", to: "e1" },
  ],
};

describe("relais serve end to end: import, welcome campaign, subscription, outbox", () => {
  let server: ServeProcess;
  let auth: Record<string, string>;
  let admin: Record<string, string>;
  const p = "/api/v1/projects/boutique";

  beforeAll(async () => {
    ensureBuilt();
    server = await startServe({ RELAIS_ADMIN_PASSWORD: PASSWORD });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: PASSWORD });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    const project = await api(server.url, "POST", "/api/v1/projects", { cookie }, { id: "boutique", name: "Boutique", timezone: "America/Montreal" });
    expect(project.status).toBe(201);
    const key = await api(server.url, "POST", `${p}/api-keys`, { cookie }, { name: "e2e", role: "editor" });
    expect(key.status).toBe(201);
    auth = { authorization: `Bearer ${key.json.key}` };
    const adminKey = await api(server.url, "POST", `${p}/api-keys`, { cookie }, { name: "e2e-admin", role: "admin" });
    admin = { authorization: `Bearer ${adminKey.json.key}` };
  }, 60_000);
  afterAll(async () => {
    if (server && server.child.exitCode === null) await server.stop("SIGKILL");
  });

  it("configures the project through the API (an administrator's work, not an editor's)", async () => {
    const refused = await api(server.url, "POST", `${p}/fields`, auth, { key: "firstName", type: "text" });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect((await api(server.url, "POST", `${p}/fields`, admin, { key: "firstName", type: "text" })).status).toBe(201);
    expect((await api(server.url, "POST", `${p}/communication-types`, admin, { key: "infolettre", channel: "email" })).status).toBe(201);
    const fields = await api(server.url, "GET", `${p}/fields`, auth);
    expect(fields.json.fields.map((f: { key: string }) => f.key).sort()).toEqual(["email", "firstName"]);
  });

  it("imports a CSV, keeping the good rows and reporting the bad one with its row and column", async () => {
    const csv = "email,firstName\nann@example.com,Ann\nnot-an-address,Bob\nchloe@example.com,Chloé\n";
    const started = await api(server.url, "POST", `${p}/imports?fileName=clients.csv`, { ...auth, "content-type": "text/csv" }, csv);
    expect(started.status).toBe(202);
    let imp = started.json;
    const deadline = Date.now() + 10_000;
    while (!["done", "failed"].includes(imp.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      imp = (await api(server.url, "GET", `${p}/imports/${started.json.id}`, auth)).json;
    }
    expect(imp).toMatchObject({ status: "done", totalRows: 3, created: 2, rejected: 1 });
    expect(imp.rejections).toEqual([{ row: 2, line: 3, column: "email", reason: expect.stringContaining("not an email address") }]);
    const ann = await api(server.url, "GET", `${p}/contacts/ann@example.com`, auth);
    expect(ann.status).toBe(200);
    expect(ann.json.fields.firstName).toBe("Ann");
  });

  it("sends the welcome email to a contact who subscribes, within 2 seconds", async () => {
    const created = await api(server.url, "POST", `${p}/campaigns`, auth, { document: WELCOME });
    expect(created.status).toBe(201);
    const activated = await api(server.url, "POST", `${p}/campaigns/${created.json.id}/activate`, auth);
    expect(activated.status).toBe(200);
    expect(activated.json.status).toBe("active");

    const subscribedAt = Date.now();
    const sub = await api(server.url, "PUT", `${p}/contacts/ann@example.com/subscriptions/infolettre`, auth, { subscribed: true });
    expect(sub.status).toBe(200);
    expect(sub.json.changed).toBe(true);

    let messages: { contact: string; status: string; payload: { to: string; subject: string; html: string } }[] = [];
    while (messages.length === 0 && Date.now() - subscribedAt < 2_000) {
      await new Promise((r) => setTimeout(r, 25));
      messages = (await api(server.url, "GET", `${p}/outbox?campaign=${created.json.id}`, auth)).json.messages;
    }
    expect(Date.now() - subscribedAt).toBeLessThan(2_000);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ contact: "ann@example.com", status: "sent", payload: { to: "ann@example.com", subject: "Bienvenue Ann !" } });
    expect(messages[0].payload.html).toContain("Bonjour Ann");

    // Chloé did not subscribe: nothing for her. The report counts Ann's journey.
    let report = await api(server.url, "GET", `${p}/campaigns/${created.json.id}/report`, auth);
    for (let i = 0; i < 40 && report.json.outcomes?.inProgress?.count !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      report = await api(server.url, "GET", `${p}/campaigns/${created.json.id}/report`, auth);
    }
    expect(report.status).toBe(200);
    expect(report.json.journeys).toBe(1);
    expect(report.json.sends.a1).toMatchObject({ channel: "email", reached: 1, sent: 1, delivered: 1 });
    expect(report.json.elements.e1.entered).toBe(1);
    expect(report.json.successRate).toBe(1);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
