import type { CampaignDocument } from "../campaign.js";
import { elementDef } from "../catalog/index.js";
import type { ElementDef } from "../catalog/element-def.js";
import type { Channel, ProjectConfig } from "../project.js";
import { checkParams, type ParamIssue } from "./param-issues.js";

/** An element as the checks see it: its catalog entry and, when they are valid, its parameters. */
export interface ResolvedElement {
  /** Position in the document: findings are ordered by it. */
  index: number;
  id: string;
  type: string;
  /** Undefined for an unknown type. */
  def: ElementDef<any> | undefined;
  /** `params` as given. */
  raw: unknown;
  /** The parsed parameters, present only when they are valid. */
  params?: unknown;
  /** Why the parameters are invalid (empty when valid, unknown type or note). */
  issues: ParamIssue[];
  /** The exits, known only for a known type with valid parameters. */
  exits?: string[];
}

export interface ResolvedConnection {
  index: number;
  from: string;
  exit: string;
  to: string;
}

/** The project's names, as lookup tables. */
export interface ResolvedProject {
  fields: Map<string, string>;
  tables: Map<string, Set<string>>;
  groups: Set<string>;
  personas: Set<string>;
  communicationTypes: Map<string, Channel>;
  promoBanks: Set<string>;
  destinations: Set<string>;
  modules: Record<string, unknown>;
}

export interface ResolvedCampaign {
  /** The first element of each id, in document order. */
  elements: ResolvedElement[];
  byId: Map<string, ResolvedElement>;
  /** Later elements reusing an id: reported, then left out of every other check. */
  duplicates: { index: number; id: string; def: ElementDef<any> | undefined }[];
  connections: ResolvedConnection[];
  project: ResolvedProject;
}

/** Runs `fn`, or returns `fallback` if it throws: catalog hooks must not break validation. */
export function attempt<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const keys = (v: unknown): string[] => items(v).filter(isObject).map((x) => text(x.key)).filter((k) => k !== "");

export function isNote(e: { def: ElementDef<any> | undefined }): boolean {
  return e.def?.type === "note";
}

/** A known, non-note element whose parameters parse. */
export function hasValidParams(e: ResolvedElement): boolean {
  return e.def !== undefined && !isNote(e) && e.issues.length === 0;
}

/**
 * Reads the document and project without trusting them beyond their declared shape:
 * whatever they hold, this returns a consistent view and never throws.
 */
export function resolveCampaign(doc: CampaignDocument, project: ProjectConfig): ResolvedCampaign {
  const d: Record<string, unknown> = isObject(doc) ? doc : {};
  const elements: ResolvedElement[] = [];
  const byId = new Map<string, ResolvedElement>();
  const duplicates: ResolvedCampaign["duplicates"] = [];

  items(d.elements).forEach((item, index) => {
    const e = isObject(item) ? item : {};
    const id = text(e.id);
    const type = text(e.type);
    const def = elementDef(type);
    if (byId.has(id)) {
      duplicates.push({ index, id, def });
      return;
    }
    const resolved: ResolvedElement = { index, id, type, def, raw: e.params, issues: [] };
    if (def && !isNote({ def })) {
      const check = attempt(() => checkParams(def.params, e.params), {
        ok: false as const,
        issues: [{ path: [], detail: { fr: "paramètres illisibles", en: "unreadable parameters" } }],
      });
      if (check.ok) {
        resolved.params = check.data;
        const exits = attempt(() => def.exits(check.data), undefined as unknown);
        if (Array.isArray(exits) && exits.every((x) => typeof x === "string")) resolved.exits = exits;
      } else resolved.issues = check.issues;
    }
    elements.push(resolved);
    byId.set(id, resolved);
  });

  const connections = items(d.connections).map((item, index) => {
    const c = isObject(item) ? item : {};
    return { index, from: text(c.from), exit: text(c.exit), to: text(c.to) };
  });

  return { elements, byId, duplicates, connections, project: resolveProject(project) };
}

function resolveProject(project: ProjectConfig): ResolvedProject {
  const p: Record<string, unknown> = isObject(project) ? project : {};
  const fields = new Map<string, string>();
  for (const f of items(p.fields).filter(isObject)) {
    const key = text(f.key);
    if (key !== "" && !fields.has(key)) fields.set(key, text(f.category) || "general");
  }
  const tables = new Map<string, Set<string>>();
  for (const t of items(p.tables).filter(isObject)) {
    const key = text(t.key);
    if (key !== "" && !tables.has(key)) tables.set(key, new Set(keys(t.columns)));
  }
  const communicationTypes = new Map<string, Channel>();
  for (const c of items(p.communicationTypes).filter(isObject)) {
    const key = text(c.key);
    if (key !== "" && !communicationTypes.has(key)) communicationTypes.set(key, text(c.channel) as Channel);
  }
  return {
    fields,
    tables,
    groups: new Set(keys(p.groups)),
    personas: new Set(keys(p.personas)),
    communicationTypes,
    promoBanks: new Set(keys(p.promoBanks)),
    destinations: new Set(keys(p.destinations)),
    modules: isObject(p.modules) ? p.modules : {},
  };
}
