import type { FindingCode } from "../finding.js";
import type { Text } from "../i18n.js";
import { MESSAGES, type MessageArgs } from "./messages.js";

/** A finding before it is put in the user's language and in order. */
export interface Draft {
  code: FindingCode;
  element?: string;
  path?: string;
  text: Text;
}

export type PathSegments = readonly (string | number | symbol)[];

/** `["params", "set", "city"]` → `params.set.city`. */
export function pathString(path: PathSegments): string {
  return path.map((p) => String(p)).join(".");
}

/** Builds a draft with the catalogued message of its code. */
export function draft<C extends FindingCode>(
  code: C,
  args: MessageArgs[C],
  at: { element?: string; path?: string | PathSegments } = {},
): Draft {
  const d: Draft = { code, text: MESSAGES[code](args) };
  if (at.element !== undefined) d.element = at.element;
  if (at.path !== undefined) d.path = typeof at.path === "string" ? at.path : pathString(at.path);
  return d;
}
