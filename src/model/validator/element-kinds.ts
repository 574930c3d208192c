import type { ResolvedElement } from "./resolved-campaign.js";

/*
 * What the path checks need to know about an element. Each reads the type (and, for
 * `requestApproval` and the promo code, the raw parameters), so that an element whose
 * parameters are invalid still plays its part in the graph and causes no second finding.
 */

type El = Pick<ResolvedElement, "def" | "raw">;

export const isUnknownType = (e: El): boolean => e.def === undefined;
export const isTrigger = (e: El): boolean => e.def?.family === "trigger";
export const isAction = (e: El): boolean => e.def?.family === "action";
export const isEnd = (e: El): boolean => e.def?.family === "end";
export const isDelay = (e: El): boolean => e.def?.family === "delay";
export const isApproval = (e: El): boolean => e.def?.type === "delay.approval";
export const isSend = (e: El): boolean => e.def?.sends !== undefined;
/** ★ conditions, which read the messages of the current journey. */
export const isOnSendCondition = (e: El): boolean => e.def?.onSend === true;

const MESSAGE_EVENT_CONDITIONS = new Set(["condition.messageOpened", "condition.messageClicked", "condition.messageDelivered"]);
/** Conditions on a message's delivery, open or click: these need time after the send. */
export const isMessageEventCondition = (e: El): boolean => e.def !== undefined && MESSAGE_EVENT_CONDITIONS.has(e.def.type);

function rawParam(e: El, key: string): unknown {
  const raw = e.raw;
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)[key] : undefined;
}

export const isEmail = (e: El): boolean => e.def?.type === "action.sendEmail";
export const requestsApproval = (e: El): boolean => isEmail(e) && rawParam(e, "requestApproval") === true;
export const isPromoGrant = (e: El): boolean => e.def?.type === "action.grantPromoCode";

/** The email parts in which a promo code is shown to the contact. */
export const PROMO_PARTS = ["subject", "html", "mjml", "text", "preheader"] as const;

// `promo.code` read inside a Liquid output `{{ … }}` or tag `{% … %}`, whitespace tolerant.
const PROMO_IN_OUTPUT = /\{\{(?:(?!\}\}).)*?(?<![\w.])promo\s*\.\s*code(?![\w])/s;
const PROMO_IN_TAG = /\{%(?:(?!%\}).)*?(?<![\w.])promo\s*\.\s*code(?![\w])/s;

/** Whether a Liquid template reads `promo.code`. */
export function usesPromoCode(template: string): boolean {
  return PROMO_IN_OUTPUT.test(template) || PROMO_IN_TAG.test(template);
}

/** Whether an email shows the contact's promo code in its subject or body. */
export function showsPromoCode(e: El): boolean {
  if (!isEmail(e)) return false;
  const message = rawParam(e, "message");
  if (typeof message !== "object" || message === null) return false;
  return PROMO_PARTS.some((part) => {
    const value = (message as Record<string, unknown>)[part];
    return typeof value === "string" && usesPromoCode(value);
  });
}
