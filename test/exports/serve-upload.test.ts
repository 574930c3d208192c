import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { api, ensureBuilt, ROOT, startServe, type ServeProcess } from "../e2e/serve-process.js";
import { startSftpServer } from "./sftp-server.js";

/**
 * `relais serve` on the wall clock runs the uploader: a contact created through the API goes
 * through an export campaign, and its file appears on a real SFTP server without anyone asking;
 * SIGTERM then stops the server cleanly.
 */
describe("relais serve uploads export files to their SFTP destination", () => {
  let server: ServeProcess | undefined;
  let sftp: Awaited<ReturnType<typeof startSftpServer>> | undefined;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "relais-serve-sftp-"));
  afterAll(async () => {
    if (server && server.child.exitCode === null) await server.stop("SIGKILL");
    await sftp?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("delivers the file of a campaign, lists it uploaded, and stops on SIGTERM", async () => {
    ensureBuilt();
    fs.mkdirSync(path.join(root, "in"));
    sftp = await startSftpServer({ root });
    server = await startServe({ RELAIS_ADMIN_PASSWORD: "uploader e2e password" });
    const login = await api(server.url, "POST", "/api/v1/auth/login", {}, { email: "admin@relais.local", password: "uploader e2e password" });
    const cookie = login.headers.get("set-cookie")!.split(";")[0];
    expect((await api(server.url, "POST", "/api/v1/projects", { cookie }, { id: "shop", name: "Shop" })).status).toBe(201);
    const key = await api(server.url, "POST", "/api/v1/projects/shop/api-keys", { cookie }, { name: "e2e", role: "admin" });
    const auth = { authorization: `Bearer ${key.json.key}` };
    const p = "/api/v1/projects/shop";
    expect((await api(server.url, "POST", `${p}/destinations`, auth, {
      key: "crm", host: "127.0.0.1", port: sftp.port, username: "relais", directory: "/in", hostKey: sftp.fingerprint, auth: { password: "secret" }, delimiter: ";",
    })).status).toBe(201);
    const created = await api(server.url, "POST", `${p}/campaigns`, auth, { document: {
      name: "Export", elements: [
        { id: "t1", type: "trigger.contactCreated", params: {} },
        { id: "x1", type: "action.exportData", params: { destination: "crm", path: "new-contacts.csv", fields: ["email"] } },
        { id: "e1", type: "end.success", params: {} },
      ],
      connections: [{ from: "t1", exit: "next", to: "x1" }, { from: "x1", exit: "next", to: "e1" }],
    } });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect((await api(server.url, "POST", `${p}/campaigns/${created.json.id}/activate`, auth)).status).toBe(200);
    expect((await api(server.url, "POST", `${p}/contacts`, auth, { fields: { email: "ann@example.com" } })).status).toBe(201);

    const target = path.join(root, "in", "new-contacts.csv");
    const deadline = Date.now() + 40_000;
    while (!fs.existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(fs.readFileSync(target, "utf8")).toBe("email\r\nann@example.com\r\n");
    let files = (await api(server.url, "GET", `${p}/files`, auth)).json.files;
    for (let i = 0; i < 20 && files[0]?.status !== "uploaded"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      files = (await api(server.url, "GET", `${p}/files`, auth)).json.files;
    }
    expect(files).toMatchObject([{ status: "uploaded", rows: 1, bytes: 24, destination: "crm", path: "new-contacts.csv", campaign: created.json.id }]);

    // The campaign's report in the editor lists the file: destination and path, rows, size, status.
    const browser = await chromium.launch({ executablePath: process.env.RELAIS_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.addInitScript(() => localStorage.setItem("relais.project", "shop"));
      await page.goto(server.url);
      await page.fill("input[name=email]", "admin@relais.local");
      await page.fill("input[name=password]", "uploader e2e password");
      await page.click("button[type=submit]");
      await page.locator(`[data-testid=campaign-${created.json.id}]`).click();
      await page.click("[data-testid=report-toggle]");
      const row = page.locator(`[data-testid=file-${files[0].id}]`);
      await row.waitFor();
      await expect(row.textContent()).resolves.toMatch(/crm:new-contacts\.csv.*1.*24 o.*déposé/);
      await page.screenshot({ path: path.join(ROOT, "test-results", "report-files.png") });
    } finally {
      await browser.close();
    }

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).toContain("relais serve: stopped");
  }, 90_000);
});
