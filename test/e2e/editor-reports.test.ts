import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSession } from "./browser.js";
import { ROOT, type ServeProcess } from "./serve-process.js";

/**
 * The monitoring side of the editor in a real browser on a real `relais serve` (capture
 * transport, wall clock): the approvals inbox, the outbox, the report's funnels and an A/X
 * test's winner chosen in the report panel. Needs `npm run build` (it serves dist/web).
 */
const PASSWORD = "e2e reports password";
const SHOTS = join(ROOT, "test-results");
const P = "demo";

const APPROVAL = {
  name: "Promo à approuver",
  elements: [
    { id: "t1", type: "trigger.api", params: {}, position: { x: 0, y: 0 } },
    {
      id: "a1", type: "action.sendEmail", position: { x: 0, y: 130 }, params: {
        communicationType: "promotions", requestApproval: true,
        message: { subject: "Offre pour {{ contact.firstName }}", html: '<p>Bonjour {{ contact.firstName }}, voici notre offre.</p><p><a href="https://shop.example/offre">Voir l\'offre</a></p>' },
      },
    },
    { id: "w1", type: "delay.approval", params: {}, position: { x: 0, y: 260 } },
    { id: "e1", type: "end.success", params: {}, position: { x: 0, y: 390 } },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "w1" }, { from: "w1", exit: "next", to: "e1" }],
};

const email = (subject: string) => ({
  communicationType: "infolettre",
  message: { subject, html: `<p>Bonjour {{ contact.firstName }} : ${subject}</p><p><a href="https://shop.example/nouveautes">Nouveautés</a></p>` },
});
const AX_TEST = {
  name: "Test d'objet",
  elements: [
    { id: "t1", type: "trigger.api", params: {}, position: { x: 150, y: 0 } },
    { id: "x1", type: "split.axTest", params: { variants: [{ key: "A", percent: 50 }, { key: "B", percent: 50 }], winner: { mode: "manual" } }, position: { x: 150, y: 130 } },
    { id: "a1", type: "action.sendEmail", label: "Objet A", params: email("Quoi de neuf ce mois-ci"), position: { x: 0, y: 280 } },
    { id: "b1", type: "action.sendEmail", label: "Objet B", params: email("Vos nouveautés de décembre"), position: { x: 300, y: 280 } },
    { id: "e1", type: "end.success", params: {}, position: { x: 150, y: 430 } },
  ],
  connections: [
    { from: "t1", exit: "next", to: "x1" }, { from: "x1", exit: "A", to: "a1" }, { from: "x1", exit: "B", to: "b1" },
    { from: "a1", exit: "next", to: "e1" }, { from: "b1", exit: "next", to: "e1" },
  ],
};

describe("approvals, outbox and reports in a real browser", () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const call = async (method: "GET" | "POST", path: string, data?: unknown) => {
    const res = method === "GET" ? await page.request.get(`${server.url}/api/v1${path}`) : await page.request.post(`${server.url}/api/v1${path}`, { data: data ?? {} });
    const json = await res.json().catch(() => null);
    expect(res.status(), `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
    return json;
  };
  /** Polls the API until `check` holds (the engine runs on the wall clock). */
  const until = async <T,>(get: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const v = await get();
      if (check(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    ({ server, browser, page } = await browserSession({ password: PASSWORD, page: { viewport: { width: 1366, height: 860 } } }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("approves an email in the inbox: the contact moves on, the outbox shows the email", async () => {
    const { id } = await call("POST", `/projects/${P}/campaigns`, { document: APPROVAL });
    await call("POST", `/projects/${P}/campaigns/${id}/activate`);
    expect((await call("POST", `/projects/${P}/campaigns/${id}/entries`, { contact: "marie.tremblay@example.com" })).entered).toBe(true);
    await until(() => call("GET", `/projects/${P}/campaigns/${id}/report`), (r) => r.elements.w1.waiting === 1, "Marie held at the approval");

    // The inbox: the request with its numbers, a preview, a confirmation before the decision.
    await page.click("[data-testid=nav-approvals]");
    const card = page.locator(`[data-testid=approval-${id}-w1]`);
    await card.waitFor();
    await expect(card.locator("[data-testid=approval-waiting]").textContent()).resolves.toBe("1");
    await expect(card.textContent()).resolves.toContain("Offre pour Marie");
    await card.getByRole("button", { name: "Voir l'aperçu" }).click();
    await expect(card.locator("iframe").getAttribute("sandbox")).resolves.toBe("");
    await page.frameLocator(`[data-testid=approval-${id}-w1] iframe`).locator("body", { hasText: "Bonjour Marie" }).waitFor();
    await card.getByRole("button", { name: "Approuver", exact: true }).click();
    await card.locator("[data-testid=approval-confirm]").waitFor();
    await shot("approvals");
    await card.getByRole("button", { name: "Confirmer — Approuver" }).click();
    await page.locator("[data-testid=approval-result]", { hasText: "Approuvé : 1 contact(s) poursuivent." }).waitFor();
    await page.locator("[data-testid=approvals-empty]").waitFor();
    await shot("approvals-done");

    // Marie moved on: the report counts her at the success end, on the canvas and in the panel.
    await until(() => call("GET", `/projects/${P}/campaigns/${id}/report`), (r) => r.elements.e1.entered === 1, "Marie at the end");
    await page.goto(`${server.url}/?campaign=${id}`);
    await page.click("[data-testid=report-toggle]");
    await page.locator("[data-testid=count-e1]", { hasText: /^1$/ }).waitFor();
    await expect(page.locator("[data-testid=count-w1]").textContent()).resolves.toBe("1");
    await expect(page.locator("[data-testid=report-success]").textContent()).resolves.toBe("100 %");
    await page.locator("[data-testid=funnel-a1-sent]", { hasText: "1" }).waitFor();

    // The outbox: the captured email, opened in a sandboxed frame without its tracking pixel.
    await page.click("[data-testid=nav-outbox]");
    const row = page.locator("[data-testid=outbox-list] tbody tr", { hasText: "Offre pour Marie" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("marie.tremblay@example.com");
    await expect(row.textContent()).resolves.toContain("Promo à approuver");
    await row.getByRole("button", { name: "Offre pour Marie" }).click();
    const frame = page.locator("[data-testid=outbox-iframe]");
    await frame.waitFor();
    await expect(frame.getAttribute("sandbox")).resolves.toBe("");
    expect(await frame.getAttribute("srcdoc")).not.toContain("/t/o/");
    await page.frameLocator("[data-testid=outbox-iframe]").locator("body", { hasText: "Bonjour Marie, voici notre offre." }).waitFor();
    await shot("outbox");
    // Viewing it was not an open.
    const report = await call("GET", `/projects/${P}/campaigns/${id}/report`);
    expect(report.sends.a1).toMatchObject({ sent: 1, opened: 0, clicked: 0 });
  }, 90_000);

  it("shows each send's funnel and an A/X test's variants, and chooses the winner in the report", async () => {
    const { id } = await call("POST", `/projects/${P}/campaigns`, { document: AX_TEST });
    await call("POST", `/projects/${P}/campaigns/${id}/activate`);
    for (const who of ["marie.tremblay", "jean.gagnon", "liam.smith"]) {
      expect((await call("POST", `/projects/${P}/campaigns/${id}/entries`, { contact: `${who}@example.com` })).entered).toBe(true);
    }
    const outbox = await until(() => call("GET", `/projects/${P}/outbox?campaign=${id}`), (o) => o.messages.filter((m: { status: string }) => m.status === "sent").length === 3, "three emails sent");
    // One recipient opens and clicks (their mail client fetches the pixel; they follow the link).
    const first = outbox.messages[outbox.messages.length - 1];
    const pixel = /(\/t\/o\/[^"'\s)]+)/.exec(first.payload.html)![1];
    const link = /(\/t\/c\/[^"'\s)]+)/.exec(first.payload.html)![1].replace(/&amp;/g, "&");
    // Within 2 s of sending, an open is taken for a machine's prefetch: a person opens later.
    await new Promise((r) => setTimeout(r, Math.max(0, first.sentAt + 2_200 - Date.now())));
    const client = { "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0" };
    expect((await page.request.get(`${server.url}${pixel}`, { headers: client })).status()).toBe(200);
    expect((await page.request.get(`${server.url}${link}`, { headers: client, maxRedirects: 0 })).status()).toBe(302);
    const branch = first.element as "a1" | "b1";
    const variant = branch === "a1" ? "A" : "B";
    await until(() => call("GET", `/projects/${P}/campaigns/${id}/report`), (r) => r.sends[branch].clicked === 1, "the click counted");

    await page.goto(`${server.url}/?campaign=${id}`);
    await page.click("[data-testid=report-toggle]");
    // The funnel of the send that was opened: sent → delivered → opened → clicked with rates.
    const funnel = page.locator(`[data-testid=funnel-${branch}]`);
    await funnel.waitFor();
    const sent = Number(await page.locator(`[data-testid=funnel-${branch}-sent] td`).first().textContent());
    expect(sent).toBeGreaterThan(0);
    await expect(page.locator(`[data-testid=funnel-${branch}-opened] td`).first().textContent()).resolves.toBe("1");
    await expect(page.locator(`[data-testid=funnel-${branch}-clicked] td`).first().textContent()).resolves.toBe("1");
    await expect(page.locator(`[data-testid=funnel-${branch}-opened] td`).nth(1).textContent()).resolves.toBe(`${String(Math.round(1000 / sent) / 10).replace(".", ",")} %`);
    await expect(funnel.locator("svg[role=img]").getAttribute("aria-label")).resolves.toContain("Ouverts 1");
    // The A/X test: per variant, the contacts routed and their messages; the metric is opens.
    const ax = page.locator("[data-testid=ax-x1]");
    await ax.waitFor();
    const routed = await Promise.all(["A", "B"].map(async (v) => Number(await page.locator(`[data-testid=ax-x1-${v}] td`).first().textContent())));
    expect(routed[0] + routed[1]).toBe(3);
    await expect(ax.textContent()).resolves.toContain("ouvertures ÷ contacts");
    await page.locator(`[data-testid=ax-x1-${variant}] .ed-lead`).waitFor();
    await page.locator("[data-testid=report] h4", { hasText: "Envois" }).scrollIntoViewIfNeeded();
    await shot("report-funnel");

    // Choose the other variant as the winner: asked, confirmed, then shown; the API agrees.
    const other = variant === "A" ? "B" : "A";
    await ax.getByRole("button", { name: `Choisir ${other} comme gagnant` }).click();
    await page.locator("[data-testid=ax-x1-confirm]").waitFor();
    await page.locator("[data-testid=ax-x1-confirm]").getByRole("button", { name: "Confirmer" }).click();
    await page.locator("[data-testid=ax-x1-winner]", { hasText: other }).waitFor();
    await expect(ax.getByRole("button", { name: /comme gagnant/ }).count()).resolves.toBe(0);
    expect((await call("GET", `/projects/${P}/campaigns/${id}`)).winners).toEqual({ x1: other });
    await shot("report-ax-winner");
    // Reloaded, the editor still shows the winner.
    await page.reload();
    await page.click("[data-testid=report-toggle]");
    await page.locator("[data-testid=ax-x1-winner]", { hasText: other }).waitFor();
  }, 90_000);

  it("labels the generated form's inputs and edits A/X variants as JSON with the parse error shown", async () => {
    const { id } = await call("POST", `/projects/${P}/campaigns`, { document: { ...AX_TEST, name: "Brouillon A/X" } });
    // The narrowest supported width.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.url}/?campaign=${id}`);
    await page.click("[data-testid=node-x1]");
    const variants = page.getByLabel("variants", { exact: false });
    await variants.waitFor();
    await variants.fill('[{ "key": "A", "percent": 50 }, { "key": "B", ');
    await page.locator("[data-testid=json-error]", { hasText: "JSON invalide" }).waitFor();
    await expect(variants.getAttribute("aria-invalid")).resolves.toBe("true");
    await shot("properties-json-error");
    await variants.fill('[{ "key": "A", "percent": 40 }, { "key": "B", "percent": 40 }, { "key": "C", "percent": 20 }]');
    await page.locator("[data-testid=json-error]").waitFor({ state: "detached" });
    // The new variant is an exit of the element at once.
    await page.locator("[data-testid=node-x1] .react-flow__handle.source[data-handleid=C]").waitFor();
    // Every input of the panel has a label tied to it.
    const unlabelled = await page.locator("[data-testid=properties] :is(input, select, textarea)").evaluateAll((els) =>
      els.filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute("aria-label")).map((el) => el.outerHTML));
    expect(unlabelled).toEqual([]);
    // The draft's last change shows in the list.
    await page.locator("[data-testid=save-state]", { hasText: /^Enregistré$/ }).waitFor();
    await page.getByRole("button", { name: "← Campagnes" }).click();
    const row = page.locator("[data-testid=campaign-list] tbody tr", { hasText: "Brouillon A/X" });
    await row.waitFor();
    expect(await row.locator("td").nth(4).textContent()).not.toBe("—");
    await page.setViewportSize({ width: 1366, height: 860 });
  }, 90_000);

  it("switches the outbox to English", async () => {
    await page.click("[data-testid=nav-outbox]");
    await page.locator("[data-testid=outbox-list]").waitFor();
    await page.click("[data-testid=lang-switch]");
    await page.getByRole("heading", { name: "Outbox" }).waitFor();
    await expect(page.locator("[data-testid=outbox-list] th").nth(2).textContent()).resolves.toBe("Recipient");
    await page.locator("[data-testid=outbox-list] tbody tr").first().locator("button").click();
    await page.locator("[data-testid=outbox-message] dt", { hasText: "To" }).first().waitFor();
    await shot("outbox-en");
    await page.click("[data-testid=nav-approvals]");
    await page.locator("[data-testid=approvals-empty]", { hasText: "Nothing is waiting for approval." }).waitFor();
    await page.click("[data-testid=lang-switch]");
  }, 60_000);
});
