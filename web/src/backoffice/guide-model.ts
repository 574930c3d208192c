import { CATALOG, FAMILIES, FAMILY_LABELS, type ElementDef, type Family, type Lang } from "../../../src/model/index.js";
import { formFields, type FormField } from "../forms.js";

/** One parameter of an element as the guide lists it (nested objects flattened to `a.b`). */
export interface GuideParam { path: string; kind: FormField["kind"]; required: boolean; options?: string[]; picker?: string; min?: number; max?: number }

/** An element's guide entry: everything comes from its catalog declaration. */
export interface GuideElement {
  type: string;
  /** The anchor of its section: `/guide#<type>` (stable: the type id never changes). */
  anchor: string;
  label: string;
  description: string;
  params: GuideParam[];
  /** The fixed exits, or null when they depend on the parameters (splits). */
  exits: string[] | null;
  greyExits: string[];
  module?: string;
  sends?: string;
  batch: boolean;
  onSend: boolean;
  hasRules: boolean;
}

function flatten(fields: FormField[], prefix = ""): GuideParam[] {
  return fields.flatMap((f) => {
    const path = prefix ? `${prefix}.${f.key}` : f.key;
    if (f.kind === "object" && f.fields) return flatten(f.fields, path);
    return [{ path, kind: f.kind, required: f.required, ...(f.options ? { options: f.options } : {}), ...(f.picker ? { picker: f.picker } : {}), ...(f.min !== undefined ? { min: f.min } : {}), ...(f.max !== undefined ? { max: f.max } : {}) }];
  });
}

/** Exits that hold for any parameters: asked with empty parameters; a split's depend on its variants. */
function fixedExits(def: ElementDef<any>): string[] | null {
  try {
    const exits = def.exits({});
    return Array.isArray(exits) ? exits : null;
  } catch {
    return null;
  }
}

/** The guide's sections: one per family in palette order, each with its elements. */
export function guideSections(lang: Lang): { family: Family; label: string; elements: GuideElement[] }[] {
  return FAMILIES.map((family) => ({
    family,
    label: FAMILY_LABELS[family][lang],
    elements: CATALOG.filter((d) => d.family === family).map((d) => ({
      type: d.type, anchor: d.type, label: d.label[lang], description: d.description[lang],
      params: flatten(formFields(d.type)), exits: fixedExits(d), greyExits: d.greyExits ?? [],
      ...(d.module ? { module: d.module } : {}), ...(d.sends ? { sends: d.sends } : {}),
      batch: !!d.batch, onSend: !!d.onSend, hasRules: typeof d.rules === "function",
    })),
  }));
}
