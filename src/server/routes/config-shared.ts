import type { FastifyInstance } from "fastify";
import { breakages, describeBreakage } from "../../contacts/config-usage.js";
import { KeyParam } from "../../contacts/config-keys.js";
import type { ProjectConfig } from "../../model/index.js";
import { ApiError, conflict, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";

/** What every configuration route shares: its OpenAPI tag, the permission to change, a keyed path. */
export const TAGS = ["configuration"];
export const ADMIN = { auth: { permission: "admin" as const } };
export const KeyParams = ProjectParams.extend({ key: KeyParam });

/** The entry of `items` with exactly `key`, or a 404 naming what was looked for. */
export function mustFind<T extends { key: string }>(items: readonly T[], key: string, what: string): T {
  const found = items.find((x) => x.key === key);
  if (!found) throw notFound(`${what} ${key}`);
  return found;
}

/** 409 when an entry with the same key (without case) exists. */
export function refuseDuplicate(items: readonly { key: string }[], key: string, what: string): void {
  const k = key.toLowerCase();
  const other = items.find((x) => x.key.toLowerCase() === k);
  if (other) {
    throw conflict(other.key === key
      ? `a ${what} ${key} exists already`
      : `a ${what} ${other.key} exists already (keys that differ only in case are refused)`);
  }
}

/** `usedBy` of a 409 for a change that would break what uses the configuration. */
export interface UsedBy {
  campaigns: { id: string; name: string; status: string }[];
  personas: string[];
  postalFields: string[];
}

/**
 * Refuses (409 `in_use`) a configuration change that would give a live campaign new validation
 * errors, a persona a rule naming something gone, or drop a postal field. The problem names
 * each of them (`usedBy`) and says why (`errors`). Call inside the change's transaction.
 */
export async function refuseIfBreaks(app: FastifyInstance, projectId: string, before: ProjectConfig, after: ProjectConfig, action: string): Promise<void> {
  const b = await breakages(app.relais.store, projectId, before, after);
  if (!b) return;
  const errors = [
    ...b.campaigns.flatMap((c) => c.problems.map((p) => ({
      path: `campaigns.${c.id}${p.element !== undefined ? `.elements.${p.element}` : ""}${p.path !== undefined ? `.${p.path}` : ""}`,
      message: p.message,
    }))),
    ...b.personas.flatMap((p) => p.problems.map((x) => ({ path: `personas.${p.key}.${x.path}`, message: x.message }))),
    ...b.postalFields.map((f) => ({ path: `postalFields.${f}`, message: `${f} is a postal field` })),
  ];
  const usedBy: UsedBy = {
    campaigns: b.campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status })),
    personas: b.personas.map((p) => p.key),
    postalFields: b.postalFields,
  };
  throw new ApiError(409, "in_use", `cannot ${action}: it is used by ${describeBreakage(b)}. Change those first.`, errors, { usedBy });
}

/**
 * Applies a configuration change in one transaction: `change` gets the current configuration
 * (a copy) and returns the next one; the change is refused when it breaks something
 * (`refuseIfBreaks`), and `after` runs in the same transaction (data that goes with it).
 * Then the engine of this process drops the project's campaigns from its cache, so the next
 * batch runs them with the new configuration (a persona's new rule, a bank's expiry).
 */
export async function changeConfig(
  app: FastifyInstance, projectId: string, action: string,
  change: (config: ProjectConfig) => ProjectConfig | Promise<ProjectConfig>,
  after?: (next: ProjectConfig) => Promise<void>,
): Promise<ProjectConfig> {
  const { store, projects, engine } = app.relais;
  const next = await store.transaction(async () => {
    const changed = await projects.updateConfig(projectId, async (current) => {
      const before = structuredClone(current);
      const proposed = await change(current);
      await refuseIfBreaks(app, projectId, before, proposed, action);
      return proposed;
    });
    if (after) await after(changed);
    return changed;
  });
  // Once committed: this process's engine compiled its campaigns with the old configuration.
  for (const c of await store.listCampaigns(projectId)) engine.forget(c.id);
  return next;
}

/** The project's configuration (the route's auth hook has checked the project exists). */
export async function configOf(app: FastifyInstance, projectId: string): Promise<ProjectConfig> {
  const p = await app.relais.store.getProject(projectId);
  if (!p) throw notFound("project");
  return p;
}
