import { routes } from "./route-plugin.js";

/** Placeholder: filled in by the reports work. */
export default routes(async () => {});
