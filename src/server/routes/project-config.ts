import communicationTypes from "./communication-types.js";
import destinations from "./destinations.js";
import fields from "./fields.js";
import groups from "./groups.js";
import personas from "./personas.js";
import profilingTables from "./profiling-tables.js";
import promoBanks from "./promo-banks.js";
import { routes } from "./route-plugin.js";

/**
 * A project's configuration, one plugin per kind of thing a campaign can name (tag
 * `configuration`, docs/api/project-config.md). Reading needs `read`; every change needs
 * `admin`, runs in one transaction with what it does to contacts' data, and is refused (409)
 * when it would break a live campaign or a persona.
 */
export default routes(async (app) => {
  for (const plugin of [fields, communicationTypes, groups, personas, profilingTables, promoBanks, destinations]) await app.register(plugin);
});
