import type { z } from "zod";
import type { Text } from "../i18n.js";
import { pathString, type PathSegments } from "./draft.js";

/** One problem in an element's parameters: where (inside `params`) and what was expected. */
export interface ParamIssue {
  path: (string | number)[];
  detail: Text;
}

export type ParamCheck = { ok: true; data: unknown } | { ok: false; issues: ParamIssue[] };

/** A zod issue, read defensively: unions nest issues and not every code carries the same keys. */
interface LooseIssue {
  code?: unknown;
  path?: unknown;
  message?: unknown;
  [key: string]: unknown;
}

/**
 * Runs an element's parameter schema. Each failing parameter gives one issue (the first
 * one zod reports at that path); a failed union reports the branch that came closest.
 */
export function checkParams(schema: z.ZodType<unknown>, raw: unknown): ParamCheck {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const flat = (result.error.issues as unknown as LooseIssue[]).flatMap((i) => flatten(i, [], raw));
  const seen = new Set<string>();
  const issues = flat.filter((i) => {
    const key = pathString(i.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // zod always reports at least one issue on failure; keep the element invalid regardless.
  return { ok: false, issues: issues.length > 0 ? issues : [{ path: [], detail: { fr: "valeur invalide", en: "invalid value" } }] };
}

function segments(path: unknown): (string | number)[] {
  if (!Array.isArray(path)) return [];
  return path.map((p) => (typeof p === "number" ? p : String(p)));
}

function flatten(issue: LooseIssue, base: (string | number)[], raw: unknown): ParamIssue[] {
  const path = [...base, ...segments(issue.path)];
  if (issue.code === "invalid_union" && Array.isArray(issue.errors) && issue.errors.length > 0) {
    const branches = (issue.errors as unknown[]).map((branch) =>
      Array.isArray(branch) ? (branch as LooseIssue[]).flatMap((i) => flatten(i, path, raw)) : [],
    );
    const fewest = Math.min(...branches.map((b) => b.length));
    const closest = branches.filter((b) => b.length === fewest);
    if (fewest > 0 && closest.length === 1) return closest[0];
    return [{ path, detail: unionDetail(issue.errors as unknown[], path, raw) }];
  }
  return [{ path, detail: describe(issue, valueAt(raw, path) === undefined) }];
}

/** `a, b or c` in each language. */
function alternatives(words: Text[]): Text {
  const join = (list: string[], or: string) => (list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")} ${or} ${list[list.length - 1]}`);
  return { fr: join(words.map((w) => w.fr), "ou"), en: join(words.map((w) => w.en), "or") };
}

/**
 * When no branch of a union stands out, says what the union accepts: plain types when its
 * branches are plain types, else the keys each branch requires and lacks.
 */
function unionDetail(branches: unknown[], path: (string | number)[], raw: unknown): Text {
  const issuesOf = (b: unknown) => (Array.isArray(b) ? (b as LooseIssue[]) : []);
  const types = branches.map((b) => {
    const list = issuesOf(b);
    if (list.length !== 1) return undefined;
    const i = list[0];
    return i.code === "invalid_type" && segments(i.path).length === 0 && typeof i.expected === "string" ? i.expected : undefined;
  });
  if (types.length > 0 && types.every((t) => t !== undefined)) {
    const names = alternatives([...new Set(types as string[])].map((t) => typeName(t)));
    return { fr: `${names.fr} attendu`, en: `expected ${names.en}` };
  }
  const shapes = branches.map((b) => {
    const missing = issuesOf(b)
      .map((i) => segments(i.path))
      .filter((p) => p.length === 1 && valueAt(raw, [...path, ...p]) === undefined)
      .map((p) => String(p[0]));
    return [...new Set(missing)];
  });
  if (shapes.length > 0 && shapes.every((keys) => keys.length > 0)) {
    const forms = alternatives(shapes.map((keys) => ({ fr: `{ ${keys.join(", ")} }`, en: `{ ${keys.join(", ")} }` })));
    return { fr: `forme attendue : ${forms.fr}`, en: `expected ${forms.en}` };
  }
  return { fr: "ne correspond à aucune des formes acceptées", en: "matches none of the accepted forms" };
}

function valueAt(raw: unknown, path: PathSegments): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = Object.prototype.hasOwnProperty.call(v, p) ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  }
  return v;
}

const TYPE_NAMES: Record<string, Text> = {
  string: { fr: "texte", en: "text" },
  number: { fr: "nombre", en: "number" },
  int: { fr: "nombre entier", en: "whole number" },
  boolean: { fr: "booléen", en: "boolean" },
  array: { fr: "liste", en: "list" },
  object: { fr: "objet", en: "object" },
  null: { fr: "null", en: "null" },
};

function typeName(t: string): Text {
  return TYPE_NAMES[t] ?? { fr: t, en: t };
}

function list(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ") : "";
}

function bound(issue: LooseIssue, side: "min" | "max"): Text {
  const n = String(side === "min" ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case "string":
      if (side === "min" && n === "1") return { fr: "ne doit pas être vide", en: "must not be empty" };
      return side === "min"
        ? { fr: `au moins ${n} caractères`, en: `at least ${n} characters` }
        : { fr: `au plus ${n} caractères`, en: `at most ${n} characters` };
    case "array":
    case "set":
      return side === "min"
        ? { fr: `au moins ${n} élément(s)`, en: `at least ${n} item(s)` }
        : { fr: `au plus ${n} élément(s)`, en: `at most ${n} item(s)` };
    default: {
      const op = side === "min" ? (inclusive ? "≥" : ">") : inclusive ? "≤" : "<";
      return { fr: `nombre ${op} ${n} attendu`, en: `expected a number ${op} ${n}` };
    }
  }
}

function describe(issue: LooseIssue, missing: boolean): Text {
  switch (issue.code) {
    case "invalid_type": {
      const t = typeName(String(issue.expected));
      return missing
        ? { fr: `obligatoire (${t.fr} attendu)`, en: `required (expected ${t.en})` }
        : { fr: `${t.fr} attendu`, en: `expected ${t.en}` };
    }
    case "invalid_value":
      return { fr: `valeur attendue parmi : ${list(issue.values)}`, en: `expected one of: ${list(issue.values)}` };
    case "invalid_union":
      // A discriminated union whose discriminator matched no option.
      if (Array.isArray(issue.options)) return { fr: `valeur attendue parmi : ${list(issue.options)}`, en: `expected one of: ${list(issue.options)}` };
      return { fr: "ne correspond à aucune des formes acceptées", en: "matches none of the accepted forms" };
    case "too_small":
      return bound(issue, "min");
    case "too_big":
      return bound(issue, "max");
    case "invalid_key":
      return { fr: "nom de clé invalide", en: "invalid key name" };
    case "unrecognized_keys":
      return { fr: `clé(s) non prévue(s) : ${list(issue.keys)}`, en: `unexpected key(s): ${list(issue.keys)}` };
    case "invalid_format":
    case "custom":
      return translateCatalogMessage(String(issue.message ?? ""));
    default:
      return { fr: `valeur invalide (${String(issue.message ?? "")})`, en: `invalid value (${String(issue.message ?? "")})` };
  }
}

/**
 * The catalog's schemas word their own checks in English; their French counterparts live
 * here so the catalog stays plain zod. A message not listed keeps its English wording.
 */
const CATALOG_MESSAGES: { en: RegExp; fr: (m: RegExpExecArray) => string }[] = [
  { en: /^an email needs html or mjml$/, fr: () => "un courriel demande html ou mjml" },
  { en: /^expected HH:mm$/, fr: () => "heure attendue au format HH:mm" },
  { en: /^letters, digits, _ and - only$/, fr: () => "lettres, chiffres, _ et - seulement" },
  { en: /^set at least one field$/, fr: () => "indiquez au moins un champ" },
  { en: /^expected a date-time YYYY-MM-DDTHH:mm$/, fr: () => "date et heure attendues au format AAAA-MM-JJTHH:mm" },
  { en: /^FREQ is required$/, fr: () => "FREQ est obligatoire" },
  { en: /^not an RFC 5545 rule: (.*)$/s, fr: (m) => `règle RFC 5545 invalide : ${m[1]}` },
  { en: /^variant (.*) is listed twice$/s, fr: (m) => `la variante ${m[1]} figure deux fois` },
  { en: /^winner (.*) is not a variant$/s, fr: (m) => `le gagnant ${m[1]} n'est pas une variante` },
  { en: /^the percentages add up to (.*) \(more than 100\)$/s, fr: (m) => `la somme des pourcentages est ${m[1]} (plus de 100)` },
  { en: /^expected an array of values$/, fr: () => "liste de valeurs attendue" },
  { en: /^expected \[low, high\]$/, fr: () => "[min, max] attendu" },
  { en: /^expected a duration \{ amount, unit \}$/, fr: () => "durée attendue { amount, unit }" },
  { en: /^expected a value$/, fr: () => "valeur attendue" },
  { en: /^quantifier count needs \{ operator, value \}$/, fr: () => "le quantificateur count demande { operator, value }" },
];

function translateCatalogMessage(message: string): Text {
  for (const m of CATALOG_MESSAGES) {
    const match = m.en.exec(message);
    if (match) return { fr: m.fr(match), en: message };
  }
  return { fr: `valeur invalide (${message})`, en: message || "invalid value" };
}
