// src/model/rrule.ts uses Node's CommonJS default import of rrule; the browser gets its ESM build under that name.
import * as rrule from "../../node_modules/rrule/dist/esm/index.js";
export default rrule;
