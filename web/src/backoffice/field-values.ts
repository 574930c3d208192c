import type { FieldDef } from "../../../src/model/index.js";

/** A field's edited text as the value the API takes (null clears it; numbers and booleans typed). */
export function editedValue(def: Pick<FieldDef, "type">, text: string): unknown {
  const s = text.trim();
  if (s === "") return null;
  if (def.type === "number") return Number.isFinite(Number(s.replace(",", "."))) ? Number(s.replace(",", ".")) : s;
  if (def.type === "boolean") return s === "true" ? true : s === "false" ? false : s;
  return s;
}
