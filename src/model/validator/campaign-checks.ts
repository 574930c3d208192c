import { draft, type Draft } from "./draft.js";
import { isAction, isEnd, isTrigger } from "./element-kinds.js";
import type { ResolvedCampaign } from "./resolved-campaign.js";

/** `E_NO_TRIGGER`, `E_NO_ACTION` and `W_NO_END`: campaign-wide, on no element. */
export function checkCampaign(campaign: ResolvedCampaign): Draft[] {
  const drafts: Draft[] = [];
  if (!campaign.elements.some(isTrigger)) drafts.push(draft("E_NO_TRIGGER", {}));
  if (!campaign.elements.some(isAction)) drafts.push(draft("E_NO_ACTION", {}));
  if (!campaign.elements.some(isEnd)) drafts.push(draft("W_NO_END", {}));
  return drafts;
}
