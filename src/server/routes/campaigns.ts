import { routes } from "./route-plugin.js";

/** Placeholder: filled in by the campaigns work. */
export default routes(async () => {});
