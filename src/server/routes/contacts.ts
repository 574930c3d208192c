import { routes } from "./route-plugin.js";

/** Placeholder: filled in by the contacts work. */
export default routes(async () => {});
