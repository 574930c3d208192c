import { pass, type Handler } from "../handler.js";
import { actionHandlers } from "./actions.js";
import { conditionHandlers } from "./conditions.js";
import { delayHandlers } from "./delays.js";
import { endHandlers } from "./ends.js";
import { splitHandlers } from "./splits.js";

export { SET_ELEMENTS } from "./splits.js";
export { delayDue } from "./delays.js";

/** The runtime handler of every element type (triggers just let the contact through). */
export function handlerFor(type: string): Handler | undefined {
  if (type.startsWith("trigger.")) return pass("next");
  return actionHandlers[type] ?? conditionHandlers[type] ?? delayHandlers[type] ?? splitHandlers[type] ?? endHandlers[type];
}
