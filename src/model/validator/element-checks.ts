import { draft, type Draft } from "./draft.js";
import { isNote, type ResolvedCampaign } from "./resolved-campaign.js";

/** `E_UNKNOWN_TYPE`, `E_DUPLICATE_ID`, `E_PARAMS` and `E_MODULE_REQUIRED`: what an element is on its own. */
export function checkElements(campaign: ResolvedCampaign): Draft[] {
  const drafts: Draft[] = [];
  for (const e of campaign.elements) {
    if (!e.def) {
      drafts.push(draft("E_UNKNOWN_TYPE", { type: e.type }, { element: e.id, path: "type" }));
      continue;
    }
    if (isNote(e)) continue;
    for (const issue of e.issues)
      drafts.push(draft("E_PARAMS", { param: issue.path.join("."), detail: issue.detail }, { element: e.id, path: ["params", ...issue.path] }));
    const module = e.def.module;
    if (module && campaign.project.modules[module] !== true)
      drafts.push(draft("E_MODULE_REQUIRED", { module }, { element: e.id }));
  }
  // Notes are never the subject of a finding, not even when they reuse an id.
  for (const d of campaign.duplicates)
    if (!isNote(d)) drafts.push(draft("E_DUPLICATE_ID", { id: d.id }, { element: d.id, path: "id" }));
  return drafts;
}
