import { randomBytes } from "node:crypto";
import { CampaignDocument, ProjectConfig } from "../model/index.js";
import type { ContactInput } from "../store/store.js";
import type { ServerContext } from "./context.js";
import { DEMO } from "./demo-project.js";

/** What the first start did, for the console. */
export interface BootstrapResult {
  admin?: { email: string; password?: string; generated: boolean };
  demoProject?: string;
}

const DEMO_PROJECT = "demo";

/**
 * On first start: an instance administrator (RELAIS_ADMIN_PASSWORD, or a generated password
 * printed once) and a demo project with a few contacts and a draft welcome campaign, so a
 * newcomer sees something at once. Later starts change nothing.
 */
export async function bootstrap(ctx: ServerContext, options: { adminEmail: string; adminPassword?: string; demo: boolean }): Promise<BootstrapResult> {
  const out: BootstrapResult = {};
  const now = ctx.clock.now();
  if ((await ctx.accounts.countUsers()) === 0) {
    const password = options.adminPassword ?? randomBytes(12).toString("base64url");
    const admin = await ctx.store.transaction(() =>
      ctx.accounts.createUser({ email: options.adminEmail, password, name: "Admin", isAdmin: true }, now));
    out.admin = { email: admin.email, password: options.adminPassword ? undefined : password, generated: !options.adminPassword };
    if (options.demo && (await ctx.projects.list()).length === 0) {
      await createDemoProject(ctx, admin.id, now);
      out.demoProject = DEMO_PROJECT;
    }
  }
  return out;
}

async function createDemoProject(ctx: ServerContext, adminId: string, now: number): Promise<void> {
  const demo = structuredClone(DEMO) as unknown as { name: string; defaultSender: { name: string; email: string }; config: unknown; contacts: ContactInput[]; campaign: unknown };
  await ctx.store.transaction(async () => {
    const config = ProjectConfig.parse(demo.config);
    const key = config.fields.find((f) => f.category === "uniqueKey")!;
    await ctx.projects.create({ name: demo.name, timezone: config.timezone, sendHour: config.sendHour, defaultSender: demo.defaultSender, uniqueKey: { key: key.key, type: key.type } }, now, DEMO_PROJECT);
    await ctx.projects.updateConfig(DEMO_PROJECT, () => config);
    await ctx.accounts.setMembership(adminId, DEMO_PROJECT, "admin");
    await ctx.store.upsertContacts(DEMO_PROJECT, demo.contacts.map((c) => ({ ...c, createdAt: now })), now);
    const doc = CampaignDocument.parse(demo.campaign);
    await ctx.engine.saveCampaign(DEMO_PROJECT, { ...doc, id: `${DEMO_PROJECT}-welcome` });
  });
}
