import type { Text } from "./i18n.js";

export const ERROR_CODES = [
  "E_NO_TRIGGER", "E_NO_ACTION", "E_UNKNOWN_TYPE", "E_DUPLICATE_ID", "E_PARAMS", "E_BAD_CONNECTION",
  "E_EXIT_TAKEN", "E_CYCLE_WITHOUT_DELAY", "E_SEND_CONDITION_PLACEMENT", "E_MESSAGE_REF",
  "E_APPROVAL_WITHOUT_REQUEST", "E_APPROVAL_MISSING", "E_APPROVAL_OPTIMIZED_TIME", "E_FIELD_NOT_EDITABLE",
  "E_PROMO_WITHOUT_EMAIL", "E_UNKNOWN_REFERENCE", "E_MODULE_REQUIRED",
] as const;
export const WARNING_CODES = ["W_UNREACHABLE", "W_OPEN_EXIT", "W_NO_END", "W_NO_DELAY_BEFORE_MESSAGE_CONDITION"] as const;
export type FindingCode = (typeof ERROR_CODES)[number] | (typeof WARNING_CODES)[number];

/** One problem of a campaign, as the editor shows it and the simulator prints it. */
export interface Finding {
  code: FindingCode;
  /** The element concerned, absent for campaign-wide findings. */
  element?: string;
  /** Where inside the element, e.g. `params.amount` or `exits.false`. */
  path?: string;
  /** The message in the requested language. */
  message: string;
  /** The message in every language. */
  messages: Text;
}

export function isError(f: Pick<Finding, "code">): boolean {
  return f.code.startsWith("E_");
}
