import type { z } from "zod";
import type { Text } from "../i18n.js";
import type { Channel } from "../project.js";
import type { Rule } from "../rule.js";

export const FAMILIES = ["trigger", "action", "delay", "condition", "split", "end", "utility"] as const;
export type Family = (typeof FAMILIES)[number];

export const FAMILY_LABELS: Record<Family, Text> = {
  trigger: { fr: "Déclencheurs", en: "Triggers" },
  action: { fr: "Actions", en: "Actions" },
  delay: { fr: "Délais", en: "Delays" },
  condition: { fr: "Conditions", en: "Conditions" },
  split: { fr: "Splits", en: "Splits" },
  end: { fr: "Fins", en: "Ends" },
  utility: { fr: "Utilitaires", en: "Utilities" },
};

export type ReferenceKind =
  | "field" | "table" | "group" | "persona" | "communicationType" | "promoBank" | "destination" | "message";

/** A name an element's parameters use that must exist in the project (or campaign, for messages). */
export interface Reference {
  kind: ReferenceKind;
  key: string;
  /** Path inside the element, e.g. `["params", "communicationType"]`. */
  path: (string | number)[];
  /** For a communication type: the channel it must be of. */
  channel?: Channel;
}

/**
 * One entry of the element catalog: everything the validator, the editor (palette, forms),
 * the docs and the engine need to know about an element type, as data.
 */
export interface ElementDef<P = Record<string, unknown>> {
  type: string;
  family: Family;
  label: Text;
  description: Text;
  /** Runtime check and TypeScript type of `params`. */
  params: z.ZodType<P>;
  /** The element's exits, given its (valid) parameters. */
  exits(params: P): string[];
  /** Exit colours for the editor: condition `false` and distribution `rest` are grey. */
  greyExits?: string[];
  /** Set for elements that need a project module. */
  module?: "ecommerce" | "siteTracking";
  /** Set on send actions. */
  sends?: "email" | "sms" | "push";
  /** ★ conditions that read the messages of the current journey. */
  onSend?: boolean;
  /** Batch triggers fire runs of every eligible contact. */
  batch?: boolean;
  /** Names this element refers to. */
  references?(params: P): Reference[];
  /** Rules inside the parameters, with their path, for field/table reference checks. */
  rules?(params: P): { rule: Rule; path: (string | number)[] }[];
}

/** Helper to keep each declaration's `params` type tied to its schema. */
export function defineElement<P>(def: ElementDef<P>): ElementDef<P> {
  return def;
}

export const NEXT = () => ["next"];
export const TRUE_FALSE = () => ["true", "false"];
