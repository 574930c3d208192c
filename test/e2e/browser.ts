import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureBuilt, ROOT, startServe, type ServeProcess } from "./serve-process.js";

/** Where the browser tests save their screenshots (looked at by people, not compared). */
export const SHOTS = join(ROOT, "test-results");

/**
 * A real `relais serve` (web app built if missing) and Debian's Chromium on it
 * (`RELAIS_CHROMIUM` to use another), the first administrator's password chosen; with `signIn`,
 * the page is signed in and shows the campaign list.
 */
export async function browserSession(o: { password: string; signIn?: boolean; page?: Parameters<Browser["newPage"]>[0] }): Promise<{ server: ServeProcess; browser: Browser; page: Page }> {
  ensureBuilt();
  if (!existsSync(join(ROOT, "dist", "web", "index.html"))) spawnSync("npm", ["run", "build:web"], { cwd: ROOT, stdio: "inherit" });
  mkdirSync(SHOTS, { recursive: true });
  const server = await startServe({ RELAIS_ADMIN_PASSWORD: o.password });
  const browser = await chromium.launch({ executablePath: process.env.RELAIS_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, ...o.page });
  if (o.signIn !== false) {
    await page.goto(server.url);
    await page.fill("input[name=email]", "admin@relais.local");
    await page.fill("input[name=password]", o.password);
    await page.click("button[type=submit]");
    await page.getByRole("heading", { name: "Campagnes" }).waitFor();
  }
  return { server, browser, page };
}
