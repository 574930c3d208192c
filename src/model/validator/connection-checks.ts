import { draft, type Draft } from "./draft.js";
import { isEnd, isTrigger, isUnknownType } from "./element-kinds.js";
import type { BadConnectionReason } from "./messages.js";
import { isNote, type ResolvedCampaign, type ResolvedConnection, type ResolvedElement } from "./resolved-campaign.js";

export interface ConnectionCheck {
  drafts: Draft[];
  /** The connections the graph is made of: every one not reported as `E_BAD_CONNECTION`. */
  edges: ResolvedConnection[];
}

function refusal(c: ResolvedConnection, from?: ResolvedElement, to?: ResolvedElement): BadConnectionReason | undefined {
  if (!from) return { reason: "unknownElement", side: "from", id: c.from };
  if (!to) return { reason: "unknownElement", side: "to", id: c.to };
  if (isNote(from)) return { reason: "fromNote", from: from.id };
  if (isEnd(from)) return { reason: "fromEnd", from: from.id };
  if (isNote(to)) return { reason: "intoNote", to: to.id };
  if (isTrigger(to)) return { reason: "intoTrigger", to: to.id };
  // An unknown type's exits are unknown, and so are those of invalid parameters (E_PARAMS says why).
  if (!isUnknownType(from) && from.exits && !from.exits.includes(c.exit))
    return { reason: "unknownExit", from: from.id, exit: c.exit, exits: from.exits };
  return undefined;
}

/** The element a connection finding is shown on: never a note. */
function subject(from?: ResolvedElement, to?: ResolvedElement): string | undefined {
  if (from && !isNote(from)) return from.id;
  if (to && !isNote(to)) return to.id;
  return undefined;
}

/** `E_BAD_CONNECTION`, `E_EXIT_TAKEN` and `W_OPEN_EXIT`; also sorts out the graph's edges. */
export function checkConnections(campaign: ResolvedCampaign): ConnectionCheck {
  const drafts: Draft[] = [];
  const edges: ResolvedConnection[] = [];
  const taken = new Set<string>();
  const used = new Set<string>();
  const exitKey = (id: string, exit: string) => JSON.stringify([id, exit]);

  for (const c of campaign.connections) {
    const from = campaign.byId.get(c.from);
    const to = campaign.byId.get(c.to);
    if (from) used.add(exitKey(from.id, c.exit));
    const reason = refusal(c, from, to);
    if (reason) {
      drafts.push(draft("E_BAD_CONNECTION", reason, { element: subject(from, to), path: `connections.${c.index}` }));
      continue;
    }
    edges.push(c);
    const key = exitKey(c.from, c.exit);
    if (taken.has(key)) drafts.push(draft("E_EXIT_TAKEN", { exit: c.exit }, { element: c.from, path: `exits.${c.exit}` }));
    taken.add(key);
  }

  for (const e of campaign.elements) {
    if (isNote(e) || !e.exits) continue;
    for (const exit of new Set(e.exits))
      if (!used.has(exitKey(e.id, exit))) drafts.push(draft("W_OPEN_EXIT", { exit }, { element: e.id, path: `exits.${exit}` }));
  }
  return { drafts, edges };
}
