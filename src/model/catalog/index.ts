import type { ElementDef } from "./element-def.js";
import { actions } from "./actions.js";
import { conditions } from "./conditions.js";
import { delays } from "./delays.js";
import { ends, utilities } from "./ends.js";
import { splits } from "./splits.js";
import { triggers } from "./triggers.js";

export * from "./element-def.js";
export { EmailMessage } from "./actions.js";
export { WEEKDAYS } from "./delays.js";
export { OUTCOMES, type EndOutcome } from "./ends.js";

/** Every element type Relais knows, in palette order. */
export const CATALOG: readonly ElementDef<any>[] = [
  ...triggers, ...actions, ...delays, ...conditions, ...splits, ...ends, ...utilities,
];

const BY_TYPE = new Map(CATALOG.map((d) => [d.type, d]));

/** The catalog entry of a type id, or undefined for an unknown type. */
export function elementDef(type: string): ElementDef<any> | undefined {
  return BY_TYPE.get(type);
}
