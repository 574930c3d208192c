import { routes } from "./route-plugin.js";

/** Placeholder: filled in by the project-config work. */
export default routes(async () => {});
