import { randomBytes } from "node:crypto";
import type { DirectoryDb } from "../store/directory/directory-db.js";
import type { PortableDocument } from "./document.js";

/** A reusable campaign document of a project: `POST …/templates/:id/campaigns` makes drafts from it. */
export interface Template {
  id: string;
  name: string;
  document: PortableDocument;
  createdAt: number;
  updatedAt: number;
}

type Row = { id: string; project_id: string; name: string; doc: string; created_at: number; updated_at: number };

const toTemplate = (r: Row): Template => ({
  id: r.id, name: r.name, document: JSON.parse(r.doc), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

/**
 * The `templates` table. Every read and write names the project: a template of another project
 * is simply not found. Writes join the caller's store transaction.
 */
export class Templates {
  constructor(private readonly db: DirectoryDb) {}

  async list(projectId: string): Promise<Template[]> {
    const rows = await this.db.all(this.db.q.selectFrom("templates").selectAll().where("project_id", "=", projectId).orderBy("name").orderBy("id"));
    return rows.map(toTemplate);
  }

  async get(projectId: string, id: string): Promise<Template | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("templates").selectAll().where("project_id", "=", projectId).where("id", "=", id));
    return r ? toTemplate(r) : undefined;
  }

  async create(projectId: string, name: string, document: PortableDocument, at: number): Promise<Template> {
    const id = `t-${randomBytes(6).toString("hex")}`;
    await this.db.run(this.db.q.insertInto("templates").values({ id, project_id: projectId, name, doc: JSON.stringify(document), created_at: at, updated_at: at }));
    return { id, name, document, createdAt: at, updatedAt: at };
  }

  /** Replaces a template's name and document; undefined when the project has no such template. */
  async update(projectId: string, id: string, name: string, document: PortableDocument, at: number): Promise<Template | undefined> {
    const before = await this.get(projectId, id);
    if (!before) return undefined;
    await this.db.run(this.db.q.updateTable("templates").set({ name, doc: JSON.stringify(document), updated_at: at })
      .where("project_id", "=", projectId).where("id", "=", id));
    return { ...before, name, document, updatedAt: at };
  }

  /** Deletes a template; false when the project has no such template. */
  async remove(projectId: string, id: string): Promise<boolean> {
    if (!(await this.get(projectId, id))) return false;
    await this.db.run(this.db.q.deleteFrom("templates").where("project_id", "=", projectId).where("id", "=", id));
    return true;
  }
}
