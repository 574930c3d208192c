import { z } from "zod";
import { FIELD_TYPES, ProjectConfig, type FieldDef } from "../model/index.js";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { Store } from "../store/store.js";

/** A project's sender of email, used when a send element names none. */
export const Sender = z.strictObject({
  name: z.string().max(200).optional(),
  email: z.email(),
  /** Where replies go when a message names no reply-to (default: the sender). */
  replyTo: z.email().optional(),
});
export type Sender = z.infer<typeof Sender>;

/** A project as the API shows it: its details and the configuration campaigns refer to. */
export interface Project {
  id: string;
  name: string;
  defaultSender: Sender | null;
  createdAt: number;
  config: ProjectConfig;
}

export const PROJECT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const NewProject = z.strictObject({
  id: z.string().regex(PROJECT_ID, "lowercase letters, digits and dashes, 1 to 63 characters").optional(),
  name: z.string().min(1).max(200),
  timezone: z.string().default("America/Toronto"),
  sendHour: z.number().int().min(0).max(23).default(10),
  modules: z.strictObject({ ecommerce: z.boolean().optional(), siteTracking: z.boolean().optional() }).default({}),
  defaultSender: Sender.optional(),
  /** The field that identifies a contact; fixed for the project's life. */
  uniqueKey: z.strictObject({ key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/), type: z.enum(FIELD_TYPES).default("email") })
    .default({ key: "email", type: "email" }),
});
export type NewProject = z.input<typeof NewProject>;

export const ProjectSettings = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  timezone: z.string().optional(),
  sendHour: z.number().int().min(0).max(23).optional(),
  modules: z.strictObject({ ecommerce: z.boolean().optional(), siteTracking: z.boolean().optional() }).optional(),
  defaultSender: Sender.nullable().optional(),
});

/** Whether an IANA time zone name is known to this runtime. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The project's unique-key field: a contact's `id` is that field's (normalized) value. */
export function uniqueKeyField(config: ProjectConfig): FieldDef {
  const f = config.fields.find((x) => x.category === "uniqueKey");
  if (!f) throw new Error("project without a unique key field");
  return f;
}

/**
 * Projects (tenants): details in the directory, configuration (fields, communication types,
 * groups, personas, tables, promo banks, destinations) in the store's project document, which
 * the validator and the engine read. Configuration changes are read-modify-write in one transaction.
 */
export class Projects {
  constructor(private readonly store: Store, private readonly db: DirectoryDb) {}

  async create(input: NewProject, now: number, id: string): Promise<Project> {
    const p = NewProject.parse(input);
    const config = ProjectConfig.parse({
      timezone: p.timezone,
      sendHour: p.sendHour,
      modules: p.modules,
      fields: [{ key: p.uniqueKey.key, type: p.uniqueKey.type, category: "uniqueKey" }],
    });
    await this.store.transaction(async () => {
      await this.db.run(this.db.q.insertInto("project_info").values({
        id, name: p.name, default_sender: p.defaultSender ? JSON.stringify(p.defaultSender) : null, created_at: now,
      }));
      await this.store.putProject(id, config);
    });
    return { id, name: p.name, defaultSender: p.defaultSender ?? null, createdAt: now, config };
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.first(this.db.q.selectFrom("project_info").select("id").where("id", "=", id))) !== undefined;
  }

  async get(id: string): Promise<Project | undefined> {
    const info = await this.db.first(this.db.q.selectFrom("project_info").selectAll().where("id", "=", id));
    if (!info) return undefined;
    const config = await this.store.getProject(id);
    if (!config) return undefined;
    return { id, name: info.name, defaultSender: info.default_sender ? JSON.parse(info.default_sender) : null, createdAt: Number(info.created_at), config };
  }

  /** Projects by id (all of them when `ids` is undefined). */
  async list(ids?: string[]): Promise<Project[]> {
    if (ids && ids.length === 0) return [];
    let q = this.db.q.selectFrom("project_info").select("id").orderBy("id");
    if (ids) q = q.where("id", "in", ids);
    const out: Project[] = [];
    for (const r of await this.db.all(q)) {
      const p = await this.get(r.id);
      if (p) out.push(p);
    }
    return out;
  }

  async updateSettings(id: string, s: z.infer<typeof ProjectSettings>): Promise<void> {
    await this.store.transaction(async () => {
      if (s.name !== undefined || s.defaultSender !== undefined) {
        await this.db.run(this.db.q.updateTable("project_info").set({
          ...(s.name !== undefined ? { name: s.name } : {}),
          ...(s.defaultSender !== undefined ? { default_sender: s.defaultSender ? JSON.stringify(s.defaultSender) : null } : {}),
        }).where("id", "=", id));
      }
      await this.updateConfig(id, (c) => ({
        ...c,
        ...(s.timezone !== undefined ? { timezone: s.timezone } : {}),
        ...(s.sendHour !== undefined ? { sendHour: s.sendHour } : {}),
        ...(s.modules !== undefined ? { modules: { ...c.modules, ...s.modules } } : {}),
      }));
    });
  }

  /**
   * Changes a project's configuration in one transaction. `change` gets the current
   * configuration and returns the new one (or throws an `ApiError` to refuse the change).
   */
  async updateConfig(id: string, change: (config: ProjectConfig) => ProjectConfig | Promise<ProjectConfig>): Promise<ProjectConfig> {
    return this.store.transaction(async () => {
      const current = await this.store.getProject(id);
      if (!current) throw new Error(`unknown project ${id}`);
      const next = ProjectConfig.parse(await change(structuredClone(current)));
      await this.store.putProject(id, next);
      return next;
    });
  }
}

/** A contact's `id`: the normalized value of the project's unique-key field (undefined when absent or empty). */
export function contactIdOf(config: ProjectConfig, normalizedFields: Record<string, unknown>): string | undefined {
  const v = normalizedFields[uniqueKeyField(config).key];
  return v === undefined || v === null || v === "" ? undefined : String(v);
}
