import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeCampaign } from "../../bench/validate.js";
import { browserSession } from "./browser.js";
import { ROOT, type ServeProcess } from "./serve-process.js";

/**
 * A 500-element campaign in the editor (issue: "stays smooth to pan and zoom, and validation of
 * it takes under 20 ms"): it opens with every element, validates without errors, and pans and
 * zooms. The frame times measured while panning and zooming are written to
 * test-results/editor-large.json (figures, not a timed assertion: `npm run bench -- validate`
 * measures the validator).
 */
const PASSWORD = "e2e large canvas password";
const SHOTS = join(ROOT, "test-results");

describe("a 500-element campaign in the editor", () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await browserSession({ password: PASSWORD, page: { viewport: { width: 1440, height: 900 } } }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens, validates without errors, and pans and zooms", async () => {
    const doc = largeCampaign(500, { communicationType: "infolettre", field: "city", operator: "equals", value: (s) => `Ville ${s}` });
    const { id: _ignored, ...document } = doc;
    void _ignored;
    const created = await page.request.post(`${server.url}/api/v1/projects/demo/campaigns`, { data: { document } });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = await created.json();

    const t0 = Date.now();
    await page.goto(`${server.url}/?campaign=${id}`);
    await page.locator("[data-testid=findings] .ok").waitFor({ timeout: 30_000 });
    const openMs = Date.now() - t0;
    await expect(page.locator("[data-testid=activate]").isEnabled()).resolves.toBe(true);
    // Zoomed to fit, every element is on the canvas (xyflow draws them all at this size).
    const drawn = await page.locator(".react-flow__node").count();
    expect(drawn).toBe(doc.elements.length);

    // Frame intervals while the canvas pans (mouse drag) then zooms (wheel).
    await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __last: number; __on: boolean };
      w.__frames = [];
      w.__on = true;
      w.__last = performance.now();
      const tick = (t: number) => {
        w.__frames.push(t - w.__last);
        w.__last = t;
        if (w.__on) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const pane = page.locator(".react-flow__pane");
    const box = (await pane.boundingBox())!;
    const before = await page.locator(".react-flow__viewport").getAttribute("style");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 30; i++) await page.mouse.move(box.x + box.width / 2 + i * 8, box.y + box.height / 2 + i * 12);
    await page.mouse.up();
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, -120);
    await page.waitForTimeout(300);
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: number[]; __on: boolean };
      w.__on = false;
      return w.__frames.slice(1);
    });
    const after = await page.locator(".react-flow__viewport").getAttribute("style");
    expect(after).not.toBe(before);
    frames.sort((a, b) => a - b);
    const figures = {
      elements: doc.elements.length, connections: doc.connections.length, openMs, frames: frames.length,
      medianFrameMs: Math.round(frames[Math.floor(frames.length / 2)]),
      p95FrameMs: Math.round(frames[Math.floor(frames.length * 0.95)]),
    };
    writeFileSync(join(SHOTS, "editor-large.json"), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`editor, 500 elements: ${JSON.stringify(figures)}`);
    expect(frames.length).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, "editor-large.png") });
  }, 120_000);
});
