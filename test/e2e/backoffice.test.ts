import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSession } from "./browser.js";
import { ROOT, type ServeProcess } from "./serve-process.js";

const PASSWORD = "e2e back office password";
const SHOTS = join(ROOT, "test-results");
const PROJECT = "demo";

/** A TCP port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe("the back office in a real browser", () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const apiCall = async (method: string, path: string, data?: unknown) => {
    const r = await page.request.fetch(`${server.url}/api/v1${path}`, { method, ...(data === undefined ? {} : { data }) });
    expect(r.status(), await r.text()).toBeLessThan(300);
    return r.json();
  };

  beforeAll(async () => {
    // 1280 px: the narrowest layout the back office promises.
    ({ server, browser, page } = await browserSession({ password: PASSWORD, page: { viewport: { width: 1280, height: 860 }, acceptDownloads: true } }));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("imports a CSV with one bad row: preview, suggested mapping, progress, and a report that downloads as CSV", async () => {
    // An onDemand import trigger: only imports flagged "launch campaigns" start it (new contacts only here).
    const onDemand = await apiCall("POST", `/projects/${PROJECT}/campaigns`, { document: {
      name: "Import sur demande",
      elements: [
        { id: "t1", type: "trigger.import", params: { mode: "onDemand", contacts: "created" } },
        { id: "a1", type: "action.sendEmail", params: { communicationType: "transactionnel", message: { subject: "Bienvenue", html: "<p>Bonjour</p>" } } },
        { id: "e1", type: "end.success", params: {} },
      ],
      connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
    } });
    await apiCall("POST", `/projects/${PROJECT}/campaigns/${onDemand.id}/activate`);
    await page.click("[data-testid=nav-imports]");
    await page.getByRole("heading", { name: "Importations", exact: true }).waitFor();
    const csv = [
      "Courriel;Prénom;Nom;Ville;Date de naissance;Remarque",
      "nadia.belanger@example.com;Nadia;Bélanger;Laval;1990-04-12;ok",
      "olivier.paquette@example.com;Olivier;Paquette;Lévis;pas une date;bad",
      "marie.tremblay@example.com;Marie;Tremblay;Montréal;1985-11-02;update",
    ].join("\n");
    await page.setInputFiles("[data-testid=import-file]", { name: "clients.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.locator("[data-testid=import-preview] td", { hasText: "olivier.paquette@example.com" }).waitFor();
    // Suggested by name: French synonyms and accents.
    await expect(page.locator("select[name='map-Courriel']").inputValue()).resolves.toBe("field:email");
    await expect(page.locator("select[name='map-Prénom']").inputValue()).resolves.toBe("field:firstName");
    await expect(page.locator("select[name='map-Date de naissance']").inputValue()).resolves.toBe("field:birthDate");
    await expect(page.locator("select[name='map-Remarque']").inputValue()).resolves.toBe("ignore");
    await shot("import-mapping");
    await page.check("[data-testid=launch-campaigns]");
    await page.click("[data-testid=import-start]");
    await page.locator("[data-testid=import-report][data-status=done]").waitFor({ timeout: 20_000 });
    await expect(page.locator("[data-testid=import-created] strong").textContent()).resolves.toBe("1");
    await expect(page.locator("[data-testid=import-updated] strong").textContent()).resolves.toBe("1");
    await expect(page.locator("[data-testid=import-rejected] strong").textContent()).resolves.toBe("1");
    const rejection = page.locator("[data-testid=rejections] tbody tr");
    await expect(rejection.count()).resolves.toBe(1);
    const cells = await rejection.locator("td").allTextContents();
    expect(cells.slice(0, 3)).toEqual(["2", "3", "Date de naissance"]);
    expect(cells[3]).toMatch(/date/i);
    await page.locator("[data-testid=import-report]").scrollIntoViewIfNeeded();
    await shot("import-report");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download-report]")]);
    expect(download.suggestedFilename()).toBe("clients-rejets.csv");
    const text = readFileSync((await download.path())!, "utf8");
    expect(text.replace(/^\uFEFF/, "").split("\r\n")[0]).toBe("ligne_donnees,ligne_fichier,colonne,raison");
    expect(text).toContain("2,3,Date de naissance,");
    await page.locator("[data-testid=import-history] td", { hasText: "clients.csv" }).waitFor();
    // "Launch campaigns" was checked: the new contact entered the onDemand import campaign.
    await expect.poll(async () => (await apiCall("GET", `/projects/${PROJECT}/contacts/nadia.belanger@example.com/journeys`)).journeys.map((j: { campaign: { id: string } }) => j.campaign.id), { timeout: 10_000 })
      .toEqual([onDemand.id]);
  });

  it("finds a contact, opens the profile, launches an API-triggered campaign for them and sees the journey on the timeline", async () => {
    const created = await apiCall("POST", `/projects/${PROJECT}/campaigns`, { document: {
      name: "Confirmation de commande",
      elements: [
        { id: "t1", type: "trigger.api", params: {} },
        { id: "a1", type: "action.sendEmail", label: "Courriel de confirmation", params: { communicationType: "infolettre", message: { subject: "Commande {{ trigger.data.commande }}", html: "<p>Merci</p>" } } },
        { id: "e1", type: "end.success", params: {} },
      ],
      connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
    } });
    await apiCall("POST", `/projects/${PROJECT}/campaigns/${created.id}/activate`);

    await page.click("[data-testid=nav-contacts]");
    await page.locator("[data-testid=contact-list] tbody tr").first().waitFor();
    // The imported contact is there; the free-text search finds Marie by her last name.
    await page.fill("[data-testid=contact-search]", "tremblay");
    await page.click("[data-testid=contact-search-go]");
    await expect.poll(() => page.locator("[data-testid=contact-list] tbody tr").count()).toBe(1);
    await page.locator("[data-testid='contact-row-marie.tremblay@example.com']").waitFor();
    // Columns are the user's choice, remembered across a reload.
    await page.click("[data-testid=column-picker] summary");
    await page.check("input[name=col-city]");
    await page.click("[data-testid=column-picker] summary");
    await page.locator("[data-testid=contact-list] th", { hasText: "city" }).waitFor();
    await shot("contacts");
    await page.reload();
    await page.locator("[data-testid=contact-list] th", { hasText: "city" }).waitFor();

    // Advanced search with the rule builder: city equals Montréal.
    await page.check("[data-testid=advanced-toggle]");
    await page.click("[data-testid=search-rule-add]");
    await page.selectOption("[data-testid=search-rule-row] select[name=rule-field]", "city");
    await page.fill("[data-testid=search-rule-row] input[name=rule-value]", "Montréal");
    await page.click("[data-testid=contact-search-go]");
    await page.locator("[data-testid='contact-row-sophie.roy@example.com']").waitFor();
    await expect.poll(() => page.locator("[data-testid=contact-list] tbody tr").count()).toBe(2);
    await shot("contacts-advanced");

    await page.click("[data-testid='contact-row-marie.tremblay@example.com']");
    await page.locator("[data-testid=profile-id]", { hasText: "marie.tremblay@example.com" }).waitFor();
    expect(new URL(page.url()).searchParams.get("contact")).toBe("marie.tremblay@example.com");
    await expect(page.locator("input[name=field-firstName]").inputValue()).resolves.toBe("Marie");
    await page.locator("[data-testid=profile-personas] .bo-chip", { hasText: "francophones" }).waitFor();
    await page.locator("[data-testid=timeline]", { hasText: "Ce contact n'est entré dans aucune campagne." }).waitFor();

    // Edit a general field and save: the server has it.
    await page.fill("input[name=field-city]", "Laval");
    await page.click("[data-testid=save-fields]");
    await page.getByRole("status").filter({ hasText: "Enregistré" }).waitFor();
    expect((await apiCall("GET", `/projects/${PROJECT}/contacts/marie.tremblay@example.com`)).fields.city).toBe("Laval");

    // Launch the campaign with data; the journey appears with its steps and the message.
    await page.locator(`[data-testid=launch-campaign] option[value='${created.id}']`).waitFor({ state: "attached" });
    await page.selectOption("[data-testid=launch-campaign]", created.id);
    await page.fill("[data-testid=launch-data]", "{ not json");
    await page.click("[data-testid=launch]");
    await page.getByRole("alert").filter({ hasText: "JSON invalide" }).waitFor();
    await page.fill("[data-testid=launch-data]", '{ "commande": "A-123" }');
    await page.click("[data-testid=launch]");
    await page.locator("[data-testid=launch-result]", { hasText: "entré dans la campagne" }).waitFor();
    const journey = page.locator(`[data-testid=journey-${created.id}]`);
    await journey.locator("[data-testid=journey-message]", { hasText: "Commande A-123" }).waitFor({ timeout: 15_000 });
    await journey.locator(".bo-badge", { hasText: "Succès" }).waitFor({ timeout: 15_000 });
    const steps = await journey.locator("[data-testid=journey-step]").allTextContents();
    expect(steps.some((s) => s.includes("Courriel de confirmation") && s.includes("a1"))).toBe(true);
    expect(steps.some((s) => s.includes("e1"))).toBe(true);
    await shot("profile");
    await page.evaluate(() => document.querySelector("main.page")!.scrollTo(0, 1e6));
    await shot("profile-lower");

    // Unsubscribe from the newsletter: the date and source show.
    await page.locator("[data-testid=sub-infolettre] button", { hasText: "Désabonner" }).click();
    await page.locator("[data-testid=sub-infolettre]", { hasText: "backoffice" }).waitFor();
    await page.locator("[data-testid=sub-infolettre] button", { hasText: "Abonner" }).waitFor();
  });

  it("deactivates a contact, then erases it after typing its id", async () => {
    await page.goto(`${server.url}/?view=contacts&contact=jean.gagnon%40example.com`);
    await page.locator("[data-testid=profile-id]", { hasText: "jean.gagnon@example.com" }).waitFor();
    await page.click("[data-testid=deactivate]");
    await page.locator("[data-testid=profile] .status", { hasText: "Désactivé" }).waitFor();
    await expect(page.locator("[data-testid=launch]").isDisabled()).resolves.toBe(true);
    await page.click("[data-testid=erase]");
    await expect(page.locator("[data-testid=erase-go]").isDisabled()).resolves.toBe(true);
    await page.fill("[data-testid=erase-confirm]", "jean.gagnon@example.com");
    await page.click("[data-testid=erase-go]");
    await page.locator("[data-testid=contact-list]").waitFor();
    const gone = await page.request.get(`${server.url}/api/v1/projects/${PROJECT}/contacts/jean.gagnon@example.com`);
    expect(gone.status()).toBe(404);
    // From a profile, the top navigation's Contacts goes back to the list.
    await page.click("[data-testid='contact-row-liam.smith@example.com']");
    await page.locator("[data-testid=profile-id]", { hasText: "liam.smith@example.com" }).waitFor();
    await page.click("[data-testid=nav-contacts]");
    await page.locator("[data-testid=contact-list]").waitFor();
  });

  it("creates a persona with the rule builder and sees its live count, then its count in the list", async () => {
    await page.click("[data-testid=nav-settings]");
    await page.click("[data-testid=tab-personas]");
    await page.locator("[data-testid=persona-francophones]").waitFor();
    await page.click("[data-testid=new-persona]");
    await page.fill("input[name=persona-key]", "gens-de-laval");
    await page.click("[data-testid=persona-rule-add]");
    await page.selectOption("[data-testid=persona-rule-row] select[name=rule-field]", "city");
    await page.fill("[data-testid=persona-rule-row] input[name=rule-value]", "Laval");
    // Nadia (imported) and Marie (edited in her profile) live in Laval.
    await page.locator("[data-testid=persona-live-count]", { hasText: "2 contacts actifs correspondent" }).waitFor();
    await shot("settings-personas-editing");
    await page.click("[data-testid=save-persona]");
    await page.locator("[data-testid=persona-count-gens-de-laval]", { hasText: "2" }).waitFor();
    await shot("settings-personas");
  });

  it("adds an SFTP destination on a closed port and gets a clear error from test connection", async () => {
    const port = await closedPort();
    await page.click("[data-testid=tab-destinations]");
    await page.click("[data-testid=new-destination]");
    await page.fill("input[name=dest-key]", "entrepot");
    await page.fill("input[name=dest-host]", "127.0.0.1");
    await page.fill("input[name=dest-port]", String(port));
    await page.fill("input[name=dest-username]", "relais");
    await page.fill("input[name=dest-hostkey]", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s");
    await page.fill("input[name=dest-password]", "s3cret");
    await page.click("[data-testid=save-destination]");
    await page.locator("[data-testid=destination-entrepot]").waitFor();
    // The password is never shown back.
    expect(await page.locator("[data-testid=settings-destinations]").textContent()).not.toContain("s3cret");
    await page.click("[data-testid=test-entrepot]");
    const result = page.locator("[data-testid=test-result-entrepot]");
    await result.waitFor({ timeout: 30_000 });
    const text = (await result.textContent())!;
    expect(text).toContain("Échec de la connexion");
    expect(text).toContain("unreachable");
    expect(text).toContain(`127.0.0.1:${port}`);
    await shot("settings-destinations");
    // A bad fingerprint is refused with the field named.
    await page.click("[data-testid=new-destination]");
    await page.fill("input[name=dest-key]", "autre");
    await page.fill("input[name=dest-host]", "sftp.example.com");
    await page.fill("input[name=dest-username]", "relais");
    await page.fill("input[name=dest-hostkey]", "pas une empreinte");
    await page.fill("input[name=dest-password]", "x");
    await page.click("[data-testid=save-destination]");
    await page.getByRole("alert").filter({ hasText: "SHA256" }).waitFor();
    // The project's own SMS account: saved encrypted, the token never shown back, kept when not retyped.
    await page.click("[data-testid=tab-sms]");
    const sms = page.locator("[data-testid=settings-sms-provider]");
    await sms.locator("input[name=sms-account]").fill("AC0123");
    await sms.locator("input[name=sms-token]").fill("jeton-secret-42");
    await sms.locator("input[name=sms-from]").fill("+15145550000");
    await sms.locator("button[type=submit]").click();
    await sms.locator("h3", { hasText: /Configuré/i }).waitFor();
    await expect(sms.locator("input[name=sms-token]").inputValue()).resolves.toBe("");
    expect(await page.content()).not.toContain("jeton-secret-42");
    await sms.locator("input[name=sms-from]").fill("Boutique");
    await sms.locator("button[type=submit]").click();
    await sms.locator("[role=status]", { hasText: /Enregistr/ }).waitFor();
    const stored = await (await page.request.get(`${server.url}/api/v1/projects/${PROJECT}/sms-provider`)).json();
    expect(stored).toEqual({ configured: true, baseUrl: "https://api.twilio.com/2010-04-01", accountSid: "AC0123", from: "Boutique", hasAuthToken: true });
    await shot("settings-sms");
    await page.click("[data-testid=tab-fields]");
    await page.locator("[data-testid=field-email]", { hasText: "Clé unique" }).waitFor();
    await shot("settings-fields");
    await page.click("[data-testid=tab-access]");
    await page.fill("input[name=key-name]", "boutique");
    await page.click("[data-testid=create-key]");
    await expect(page.locator("[data-testid=new-key-value]").textContent()).resolves.toMatch(/\S{20,}/);
    await shot("settings-access");
  });

  it("opens the user guide in English, with a section per family and stable element anchors", async () => {
    await page.goto(`${server.url}/guide?lang=en#action.sendEmail`);
    await page.getByRole("heading", { name: "User guide", level: 1 }).waitFor();
    const email = page.locator("[id='action.sendEmail']");
    await email.locator("h3", { hasText: "Send an email" }).waitFor();
    await expect(email.textContent()).resolves.toContain("communicationType");
    await page.locator("#family-trigger h2", { hasText: "Triggers" }).waitFor();
    await page.locator("[id='trigger.api'] h3", { hasText: "Process and API" }).waitFor();
    await page.locator("#howto-axTest h3", { hasText: "Run an A/X test" }).waitFor();
    await page.evaluate(() => document.querySelector(".bo-guide-main")!.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, "guide.png") });
    await page.click("[data-testid=guide-lang]");
    await page.getByRole("heading", { name: "Guide de l'utilisateur", level: 1 }).waitFor();
    await page.locator("[id='action.sendEmail'] h3", { hasText: "Envoyer un courriel" }).waitFor();
    await page.locator("[id='action.sendEmail']").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, "guide-element-fr.png") });
  });
});
