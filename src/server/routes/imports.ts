import { routes } from "./route-plugin.js";

/** Placeholder: filled in by the imports work. */
export default routes(async () => {});
