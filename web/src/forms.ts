import { z } from "zod";
import { elementDef, type ReferenceKind } from "../../src/model/index.js";

/** One input of the properties panel, derived from an element's parameter schema. */
export interface FormField {
  key: string;
  path: string[];
  kind: "text" | "longText" | "number" | "integer" | "boolean" | "enum" | "list" | "object" | "rule" | "json";
  required: boolean;
  options?: string[];
  /** Project names (or upstream send elements) offered for this input. */
  picker?: ReferenceKind;
  fields?: FormField[];
  min?: number;
  max?: number;
  /** For `json` fields: the JSON value must be a list (arrays of objects such as A/X variants) or an object. */
  shape?: "array" | "object";
}

type JsonSchema = Record<string, any>;

const PICKERS: Record<string, ReferenceKind> = {
  communicationType: "communicationType", communicationTypes: "communicationType",
  group: "group", groups: "group", persona: "persona", personas: "persona",
  table: "table", field: "field", fields: "field", promoBank: "promoBank", destination: "destination", message: "message",
};
const LONG_TEXT = new Set(["html", "mjml", "text", "body", "content"]);
const RULE_KEYS = new Set(["audience", "rule", "where", "filter"]);

function isRuleSchema(s: JsonSchema): boolean {
  return typeof s.$ref === "string" || (Array.isArray(s.anyOf) && s.anyOf.some((o: JsonSchema) => o.$ref || o.properties?.operator));
}

function toField(key: string, path: string[], s: JsonSchema, required: boolean): FormField {
  const base = { key, path, required };
  if (RULE_KEYS.has(key) && isRuleSchema(s)) return { ...base, kind: "rule" };
  if (Array.isArray(s.enum)) return { ...base, kind: "enum", options: s.enum.map(String) };
  switch (s.type) {
    case "string":
      return { ...base, kind: LONG_TEXT.has(key) ? "longText" : "text", ...(PICKERS[key] ? { picker: PICKERS[key] } : {}) };
    case "number":
    case "integer": {
      const f: FormField = { ...base, kind: s.type };
      if (typeof s.minimum === "number") f.min = s.minimum;
      if (typeof s.maximum === "number" && s.maximum < Number.MAX_SAFE_INTEGER) f.max = s.maximum;
      return f;
    }
    case "boolean":
      return { ...base, kind: "boolean" };
    case "array":
      if (s.items?.type === "string") return { ...base, kind: "list", ...(PICKERS[key] ? { picker: PICKERS[key] } : {}) };
      return { ...base, kind: "json", shape: "array" };
    case "object":
      if (s.properties) return { ...base, kind: "object", fields: objectFields(s, path) };
      return { ...base, kind: "json", shape: "object" };
    default:
      return { ...base, kind: "json" };
  }
}

function objectFields(s: JsonSchema, path: string[]): FormField[] {
  const req = new Set<string>(s.required ?? []);
  return Object.entries<JsonSchema>(s.properties ?? {}).map(([k, sub]) => toField(k, [...path, k], sub, req.has(k)));
}

const CACHE = new Map<string, FormField[]>();

/**
 * The inputs of an element type's properties panel, from its catalog parameter schema (zod →
 * JSON Schema): scalars, enums, lists (with a project picker when the key names a reference),
 * nested objects, rules (rule builder) and, for what a form cannot say simply, raw JSON.
 */
export function formFields(type: string): FormField[] {
  const cached = CACHE.get(type);
  if (cached) return cached;
  const def = elementDef(type);
  let fields: FormField[] = [];
  if (def) {
    let schema: JsonSchema | undefined;
    try {
      schema = z.toJSONSchema(def.params, { unrepresentable: "any", io: "input", cycles: "ref" }) as JsonSchema;
    } catch {
      schema = undefined;
    }
    if (!schema) fields = [{ key: "params", path: [], kind: "json", required: true }];
    else if (schema.type === "object") fields = objectFields(schema, []);
    else if (isRuleSchema(schema)) fields = [{ key: "rule", path: [], kind: "rule", required: true }];
    else fields = [{ key: "params", path: [], kind: "json", required: true }];
  }
  CACHE.set(type, fields);
  return fields;
}

/** The value at a path of an object (undefined when absent). */
export function getAt(obj: unknown, path: string[]): unknown {
  let cur: any = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A copy of `obj` with `value` at `path` (undefined removes the key); the root path replaces it all. */
export function setAt(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  if (path.length === 0) return (value ?? {}) as Record<string, unknown>;
  const [head, ...rest] = path;
  const copy: Record<string, unknown> = { ...obj };
  if (rest.length === 0) {
    if (value === undefined || value === "") delete copy[head];
    else copy[head] = value;
  } else {
    const child = copy[head];
    copy[head] = setAt(child && typeof child === "object" ? (child as Record<string, unknown>) : {}, rest, value);
  }
  return copy;
}

/** The id of a field's input: unique within the panel, tied to its label. */
export function fieldId(field: FormField): string {
  return `f-${(field.path.length ? field.path : [field.key]).join("-").replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/**
 * Reads a JSON field's text: the value, or what is wrong (the parser's message, or a list
 * expected where the schema wants one). An empty text clears the parameter.
 */
export function parseJsonField(text: string, shape?: "array" | "object"): { ok: true; value: unknown } | { ok: false; error: string; notArray?: boolean } {
  if (text.trim() === "") return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (shape === "array" && !Array.isArray(value)) return { ok: false, error: "a list is expected: [ … ]", notArray: true };
  return { ok: true, value };
}

/** Converts an input's text to the parameter value its field expects. */
export function parseInput(field: FormField, text: string): unknown {
  if (text === "") return undefined;
  if (field.kind === "number" || field.kind === "integer") {
    const n = Number(text.replace(",", "."));
    return Number.isFinite(n) ? n : text;
  }
  if (field.kind === "list") return text.split(",").map((s) => s.trim()).filter(Boolean);
  return text;
}
