export { validateCampaign, hasErrors, splitFindings, type ValidateOptions } from "./validate-campaign.js";
export { MESSAGES, type MessageArgs, type BadConnectionReason, type UnknownReference } from "./messages.js";
export { usesPromoCode } from "./element-kinds.js";
