import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSession } from "./browser.js";
import { ROOT, type ServeProcess } from "./serve-process.js";

const PASSWORD = "e2e editor password";
const SHOTS = join(ROOT, "test-results", "editor");

describe("the campaign editor in a real browser", () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    // The simulation form's dates are the browser's local time: fixed, so the test means the same anywhere.
    ({ server, browser, page } = await browserSession({ password: PASSWORD, signIn: false, page: { viewport: { width: 1440, height: 900 }, timezoneId: "America/Toronto" } }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs in, builds a campaign from a template, edits it with live validation, activates it and switches to English", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Connexion" }).waitFor();
    await page.fill("input[name=email]", "admin@relais.local");
    await page.fill("input[name=password]", "wrong password");
    await page.click("button[type=submit]");
    await page.getByRole("alert").filter({ hasText: "wrong email or password" }).waitFor();
    await shot("1-login");
    await page.fill("input[name=password]", PASSWORD);
    await page.click("button[type=submit]");
    await page.getByRole("heading", { name: "Campagnes" }).waitFor();
    await shot("2-campaigns-empty");

    // From the "Bienvenue" template: the canvas shows its elements, valid (Activate enabled).
    await page.click("[data-testid=template-bienvenue]");
    await page.locator("[data-testid=node-k1]").waitFor();
    await expect(page.locator(".react-flow__node").count()).resolves.toBe(7);
    await expect(page.locator("[data-testid=activate]").isEnabled()).resolves.toBe(true);
    await page.locator("[data-testid=save-state]", { hasText: /^Enregistré$/ }).waitFor();
    await shot("3-editor-template");

    // Drag a delay from the palette: it has no duration yet, so an error shows on it and Activate is disabled.
    await page.fill(".palette input[type=search]", "période");
    const item = page.locator(".palette-item[data-type='delay.period']");
    await item.waitFor();
    await item.dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 700, y: 300 } });
    await page.locator("[data-testid=node-d2]").waitFor();
    await page.locator("[data-testid=badge-d2].badge-error").waitFor();
    await expect(page.locator("[data-testid=findings] li.error[data-code=E_PARAMS]").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator("[data-testid=activate]").isDisabled()).resolves.toBe(true);
    await shot("4-dropped-with-error");

    // Fill in the generated form: the error disappears.
    await page.click("[data-testid=node-d2]");
    // The properties panel links to the element's section of the user guide, which has it.
    const guide = await page.locator("[data-testid=guide-link]").getAttribute("href");
    expect(guide).toBe("/guide?lang=fr#delay.period");
    const guidePage = await browser.newPage();
    await guidePage.goto(`${server.url}${guide}`);
    await guidePage.locator("[id='delay.period']").waitFor();
    await guidePage.close();
    await page.fill("[data-testid=properties] input[name=amount]", "1");
    await page.selectOption("[data-testid=properties] select[name=unit]", "days");
    await page.locator("[data-testid=findings] li.error").first().waitFor({ state: "detached" });
    await expect(page.locator("[data-testid=badge-d2].badge-error").count()).resolves.toBe(0);

    // Connect its exit to the success end; a taken exit is refused with the reason.
    const from = page.locator("[data-testid=node-d2] .react-flow__handle.source");
    const to = page.locator("[data-testid=node-e1] .react-flow__handle.target");
    await dragBetween(page, from, to);
    await expect(page.locator(".react-flow__edge").count()).resolves.toBe(7);
    await dragBetween(page, page.locator("[data-testid=node-k1] .react-flow__handle.source[data-handleid=true]"), page.locator("[data-testid=node-d2] .react-flow__handle.target"));
    await page.locator("[data-testid=toast]", { hasText: "déjà connectée" }).waitFor();
    await expect(page.locator(".react-flow__edge").count()).resolves.toBe(7);
    await shot("5-connected");

    // A note: a post-it with text, and nothing to connect.
    await page.fill(".palette input[type=search]", "");
    await page.locator(".palette-item[data-type=note]").dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 150, y: 120 } });
    await page.locator("[data-testid=node-n1] textarea").fill("Penser au test A/B");
    await expect(page.locator("[data-testid=node-n1] .react-flow__handle").count()).resolves.toBe(0);
    await expect(page.locator("[data-testid=findings] li[data-code]").filter({ hasText: "n1" }).count()).resolves.toBe(0);

    // Delete it with Backspace: its warnings go with it.
    await page.click("[data-testid=node-d2]");
    await page.keyboard.press("Backspace");
    await page.locator("[data-testid=node-d2]").waitFor({ state: "detached" });
    await page.locator("[data-testid=node-n1]").waitFor();
    // Undo brings it back with its connection, redo removes it again.
    await page.keyboard.press("Control+z");
    await page.locator("[data-testid=node-d2]").waitFor();
    await expect(page.locator(".react-flow__edge").count()).resolves.toBe(7);
    await page.keyboard.press("Control+y");
    await page.locator("[data-testid=node-d2]").waitFor({ state: "detached" });
    // Copy and paste an element: a copy with a new id; undo removes it.
    await page.click("[data-testid=node-a2]");
    await page.keyboard.press("Control+c");
    await page.keyboard.press("Control+v");
    await page.locator("[data-testid=node-a3]").waitFor();
    await page.keyboard.press("Control+z");
    await page.locator("[data-testid=node-a3]").waitFor({ state: "detached" });
    await page.locator("[data-testid=node-n1]").waitFor();
    await expect(page.locator("[data-testid=findings] .ok").isVisible()).resolves.toBe(true);
    // The draft saves itself: the server has the edited document.
    await page.locator("[data-testid=save-state]", { hasText: /^Enregistré$/ }).waitFor();
    const campaignId = new URL(page.url()).searchParams.get("campaign");
    const projectId = await page.locator("[data-testid=project-picker]").inputValue();
    const saved = await (await page.request.get(`${server.url}/api/v1/projects/${projectId}/campaigns/${campaignId}`)).json();
    expect(saved.document.elements.map((e: { id: string }) => e.id)).toEqual(["t1", "a1", "d1", "k1", "a2", "e1", "e2", "n1"]);
    expect(saved.document.elements[7].params).toMatchObject({ text: "Penser au test A/B", size: { width: 200, height: 120 } });
    expect(saved.document.elements[0].position).toBeDefined();

    // Simulate the canvas server-side, without JSON: a sample contact typed in, not subscribed yet; she
    // subscribes, does not open, gets the reminder: neutral. Her path is highlighted on the canvas.
    await page.click("[data-testid=sim-toggle]");
    await page.fill("[data-testid=sim-start]", "2026-12-01T08:00");
    await page.fill("[data-testid=sim-until]", "2026-12-10T00:00");
    await page.fill("[data-testid=sim-new-contact]", "ann@example.com");
    await page.click("[data-testid=sim-add-contact]");
    await page.getByLabel("ann@example.com abonné à infolettre").uncheck();
    await page.click("[data-testid=sim-add-event]");
    const ev = page.locator("[data-testid=sim-event-0]");
    await ev.getByLabel("Quand (événement 1)").fill("2026-12-01T09:00");
    await ev.getByLabel("Type (événement 1)").selectOption("contact.subscribed");
    await ev.getByLabel("Contact (événement 1)").selectOption("ann@example.com");
    // Until the communication type is chosen, the form says what is missing and cannot run.
    await expect(page.locator("[data-testid=sim-run]").isDisabled()).resolves.toBe(true);
    await ev.getByLabel("Type de communication").selectOption("infolettre");
    await page.click("[data-testid=sim-run]");
    await page.locator("[data-testid=sim-result]", { hasText: "neutre 1" }).waitFor();
    await expect(page.locator("[data-testid=count-a2]").textContent()).resolves.toBe("1");
    await expect(page.locator("[data-testid=sim-result]").textContent()).resolves.toContain("Messages : 2");
    // Ann's path: every element she passed is highlighted, the "opened" exit she did not take is not.
    await expect(page.locator("[data-testid=sim-path]").inputValue()).resolves.toBe("ann@example.com");
    for (const id of ["t1", "a1", "d1", "k1", "a2", "e2"]) await expect(page.locator(`[data-testid=node-${id}]`).getAttribute("class")).resolves.toContain("on-path");
    await expect(page.locator("[data-testid=node-e1]").getAttribute("class")).resolves.toContain("off-path");
    await expect(page.locator("[data-testid=sim-steps] li").count()).resolves.toBe(6);
    await shot("5b-simulation");
    await page.click("[data-testid=sim-toggle]");

    // Activate; the list shows it active.
    await page.click("[data-testid=activate]");
    await page.locator("[data-testid=editor-status]", { hasText: "Active" }).waitFor();
    // The report overlay: counts on the elements and the outcomes (nobody entered yet).
    await page.click("[data-testid=report-toggle]");
    await page.locator("[data-testid=report-journeys]", { hasText: /^0$/ }).waitFor();
    await expect(page.locator("[data-testid=count-a1]").textContent()).resolves.toBe("0");
    await shot("6-active");
    // Pause, then resume: the editor asks what to do with overdue contacts.
    await page.getByRole("button", { name: "Pause" }).click();
    await page.locator("[data-testid=editor-status]", { hasText: "En pause" }).waitFor();
    await page.getByRole("button", { name: "Reprendre", exact: true }).click();
    await page.locator("[data-testid=resume-ask]").waitFor();
    await shot("6b-resume");
    await page.getByRole("button", { name: "Libérer maintenant" }).click();
    await page.locator("[data-testid=editor-status]", { hasText: "Active" }).waitFor();
    await page.getByRole("button", { name: "← Campagnes" }).click();
    const row = page.locator("[data-testid=campaign-list] tbody tr", { hasText: "Bienvenue" });
    await row.locator(".status.active").waitFor();

    // English, remembered across a reload.
    await page.click("[data-testid=lang-switch]");
    await page.getByRole("heading", { name: "Campaigns" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Campaigns" }).waitFor();
    await expect(page.locator("[data-testid=campaign-list] th").first().textContent()).resolves.toBe("Name");
    await shot("7-english");
  }, 60_000);

  it("serves the editor for app paths and leaves API paths to the API", async () => {
    const app = await fetch(`${server.url}/campagnes/quelconque`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<div id="root">');
    const api = await fetch(`${server.url}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect((await api.json()).code).toBe("not_found");
  });
});

async function dragBetween(page: Page, from: ReturnType<Page["locator"]>, to: ReturnType<Page["locator"]>) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}
