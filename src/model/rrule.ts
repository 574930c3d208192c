// rrule ships CommonJS for Node: take its named exports through the default import.
import rrule from "rrule";

export const RRule = rrule.RRule;
