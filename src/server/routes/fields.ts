import { z } from "zod";
import { removeContactKey } from "../../contacts/config-contact-data.js";
import { IdentifierKey } from "../../contacts/config-keys.js";
import { FIELD_CATEGORIES, FIELD_TYPES, FieldDef } from "../../model/index.js";
import { badRequest, conflict } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

const Category = z.enum(FIELD_CATEGORIES);

/** The unique key is chosen with the project; no route can make another field the unique key. */
function refuseUniqueKeyCategory(category: string | undefined, path: string): void {
  if (category === "uniqueKey") {
    throw badRequest("the unique key is fixed when the project is created: a field's category is general, administrative or subscription",
      [{ path, message: "uniqueKey is reserved for the field chosen at project creation" }]);
  }
}

/** Contact fields: their key, type (fixed once created) and category. */
export default routes(async (app) => {
  app.get("/projects/:projectId/fields", {
    schema: { tags: TAGS, summary: "The project's contact fields", params: ProjectParams, response: { 200: z.object({ fields: z.array(FieldDef) }) } },
  }, async (request) => ({ fields: (await configOf(app, request.params.projectId)).fields }));

  app.post("/projects/:projectId/fields", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a contact field",
      description: "Categories: general (editable by campaigns), administrative and subscription (not editable by campaigns). The unique key is fixed at project creation.",
      params: ProjectParams,
      body: z.strictObject({ key: IdentifierKey, type: z.enum(FIELD_TYPES), category: Category.default("general") }),
      response: { 201: FieldDef },
    },
  }, async (request, reply) => {
    const { key, type, category } = request.body;
    refuseUniqueKeyCategory(category, "body.category");
    const field = { key, type, category };
    await changeConfig(app, request.params.projectId, `add field ${key}`, (c) => {
      refuseDuplicate(c.fields, key, "field");
      return { ...c, fields: [...c.fields, field] };
    });
    reply.code(201);
    return field;
  });

  app.patch("/projects/:projectId/fields/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Change a field's category (its type cannot change)",
      params: KeyParams,
      body: z.strictObject({ category: Category.optional(), type: z.enum(FIELD_TYPES).optional() }),
      response: { 200: FieldDef },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const { category, type } = request.body;
    refuseUniqueKeyCategory(category, "body.category");
    const next = await changeConfig(app, projectId, `change field ${key}`, (c) => {
      const field = mustFind(c.fields, key, "field");
      if (type !== undefined && type !== field.type) {
        throw conflict(`the type of field ${key} cannot change (${field.type} → ${type}): the values already stored are ${field.type} values and would not match. `
          + "Add a new field of the new type and import the values into it instead.");
      }
      if (category === undefined || category === field.category) return c;
      if (field.category === "uniqueKey") throw conflict(`${key} is the project's unique key: its category cannot change`);
      return { ...c, fields: c.fields.map((f) => (f.key === key ? { ...f, category } : f)) };
    });
    return mustFind(next.fields, key, "field");
  });

  app.delete("/projects/:projectId/fields/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Delete a field and its values (refused while a live campaign or a persona uses it)",
      params: KeyParams, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete field ${key}`, (c) => {
      const field = mustFind(c.fields, key, "field");
      if (field.category === "uniqueKey") throw conflict(`${key} is the project's unique key: it identifies every contact and can never be deleted`);
      return { ...c, fields: c.fields.filter((f) => f.key !== key) };
    }, () => removeContactKey(app.relais.store, projectId, "fields", key));
    return { ok: true as const };
  });
});
