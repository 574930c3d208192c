import { z } from "zod";
import { columnHasValues, deleteTableRows, removeColumn } from "../../contacts/config-contact-data.js";
import { IdentifierKey, repeatedKeys } from "../../contacts/config-keys.js";
import { FIELD_TYPES, type ProjectConfig } from "../../model/index.js";
import { badRequest, conflict } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, refuseIfBreaks, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

const Column = z.strictObject({ key: IdentifierKey, type: z.enum(FIELD_TYPES).default("text") });
const Columns = z.array(Column).min(1, "a table has at least one column").max(200);
const Table = z.object({ key: z.string(), columns: z.array(z.object({ key: z.string(), type: z.enum(FIELD_TYPES) })), site: z.boolean().optional() });
/** Whether the project's site tracker may add rows (`table_row` events, docs/site-tracking.md). */
const Site = z.boolean().optional().describe("rows may come from the project's site tracker (table_row events); default false");
type Table = z.infer<typeof Table>;

/** Two columns of one table with the same key (without case) are a 400 naming the repeat. */
function refuseRepeatedColumns(columns: { key: string }[]): void {
  const repeats = repeatedKeys(columns.map((c) => c.key));
  if (repeats.length > 0) {
    throw badRequest(`column ${repeats[0].key} appears twice`, repeats.map((r) => ({ path: `body.columns.${r.index}.key`, message: `column ${r.key} appears twice` })));
  }
}

const tableOf = (config: ProjectConfig, key: string): Table => mustFind(config.tables, key, "profiling table");

/** Profiling tables: rows of typed columns attached to contacts (orders, visits…), read by table rules. */
export default routes(async (app) => {
  app.get("/projects/:projectId/tables", {
    schema: { tags: TAGS, summary: "The project's profiling tables and their columns", params: ProjectParams, response: { 200: z.object({ tables: z.array(Table) }) } },
  }, async (request) => ({ tables: (await configOf(app, request.params.projectId)).tables }));

  app.post("/projects/:projectId/tables", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a profiling table", params: ProjectParams,
      body: z.strictObject({ key: IdentifierKey, columns: Columns, site: Site }), response: { 201: Table },
    },
  }, async (request, reply) => {
    const { key, columns, site } = request.body;
    refuseRepeatedColumns(columns);
    const table = { key, columns, ...(site !== undefined ? { site } : {}) };
    await changeConfig(app, request.params.projectId, `add profiling table ${key}`, (c) => {
      refuseDuplicate(c.tables, key, "profiling table");
      return { ...c, tables: [...c.tables, table] };
    });
    reply.code(201);
    return table;
  });

  app.put("/projects/:projectId/tables/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Set a profiling table's columns",
      description: "The full list of columns. New ones are added; a dropped column loses its values and is refused while a live campaign or a persona reads it; "
        + "a column's type changes only while no row holds a value in it and no rule reads it.",
      params: KeyParams, body: z.strictObject({ columns: Columns, site: Site }), response: { 200: Table },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const { columns, site } = request.body;
    refuseRepeatedColumns(columns);
    const { store } = app.relais;
    let dropped: string[] = [];
    const next = await changeConfig(app, projectId, `change profiling table ${key}`, async (c) => {
      const table = tableOf(c, key);
      const kept = new Set(columns.map((x) => x.key));
      dropped = table.columns.filter((x) => !kept.has(x.key)).map((x) => x.key);
      const retyped = columns.filter((x) => table.columns.some((old) => old.key === x.key && old.type !== x.type));
      for (const r of retyped) {
        if (await columnHasValues(store, projectId, key, r.key)) {
          const old = table.columns.find((x) => x.key === r.key)!;
          throw conflict(`the type of column ${r.key} of table ${key} cannot change (${old.type} → ${r.type}): rows hold values of the old type. Add a new column instead.`);
        }
      }
      // The site setting is kept when the request does not give it.
      const withColumns = (cols: Table["columns"]) => ({ ...c, tables: c.tables.map((t) => (t.key === key ? { ...t, columns: cols, ...(site !== undefined ? { site } : {}) } : t)) });
      // A retyped column is checked as if dropped: a rule reading it was written for the old type.
      if (retyped.length > 0) {
        await refuseIfBreaks(app, projectId, c, withColumns(columns.filter((x) => !retyped.includes(x))), `change the type of column ${retyped.map((r) => r.key).join(", ")} of table ${key}`);
      }
      return withColumns(columns);
    }, async () => {
      for (const col of dropped) await removeColumn(store, projectId, key, col);
    });
    return tableOf(next, key);
  });

  app.delete("/projects/:projectId/tables/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Delete a profiling table and its rows (refused while a live campaign or a persona uses it)",
      params: KeyParams, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete profiling table ${key}`, (c) => {
      tableOf(c, key);
      return { ...c, tables: c.tables.filter((t) => t.key !== key) };
    }, () => deleteTableRows(app.relais.store, projectId, key));
    return { ok: true as const };
  });
});
