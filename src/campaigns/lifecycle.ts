import type { CampaignStatus } from "../store/store.js";

/** What a user can do to a campaign's status. */
export type LifecycleAction = "activate" | "pause" | "resume" | "stop";

/**
 * The campaign lifecycle: draft → active ⇄ paused → stopped. A stopped campaign is final (its
 * journeys and reports stay; duplicate it to run it again), and only a draft can be activated.
 */
const ALLOWED: Record<LifecycleAction, readonly CampaignStatus[]> = {
  activate: ["draft"],
  pause: ["active"],
  resume: ["paused"],
  stop: ["active", "paused"],
};

/** Why an action cannot be taken from a status, written for the person who tried. */
const WHY: Partial<Record<LifecycleAction, Partial<Record<CampaignStatus, string>>>> = {
  activate: {
    active: "it is already active",
    paused: "it is paused: resume it instead",
    stopped: "a stopped campaign is final: duplicate it to run it again",
  },
  pause: { draft: "only an active campaign can be paused", paused: "it is already paused", stopped: "it is stopped" },
  resume: { draft: "activate it first", active: "it is not paused", stopped: "a stopped campaign is final: duplicate it to run it again" },
  stop: { draft: "a draft never ran: delete it instead", stopped: "it is already stopped" },
};

/** Undefined when `action` is allowed from `status`, else the message of the refusal. */
export function refusal(action: LifecycleAction, status: CampaignStatus): string | undefined {
  if (ALLOWED[action].includes(status)) return undefined;
  return `cannot ${action} a ${status} campaign: ${WHY[action]?.[status] ?? "not allowed"}`;
}

/** Whether the campaign runs (or may run again): it has a published version and contacts may be inside. */
export function isLive(status: CampaignStatus): boolean {
  return status === "active" || status === "paused";
}
