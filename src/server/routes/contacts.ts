import type { FastifyError } from "fastify";
import { z } from "zod";
import { ContactRefused } from "../../contacts/contact-refused.js";
import {
  ContactBody, ContactOut, ContactPage, ContactPatchBody, HistoryEntry, ListQuery, SearchBody, SubscriptionBody, TableRowBody, TableRows, TableUpdateBody,
} from "../../contacts/contact-schemas.js";
import { Contacts } from "../../contacts/contacts.js";
import { ApiError, errorHandler } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const STATUS: Record<ContactRefused["code"], number> = { invalid_input: 400, not_found: 404, conflict: 409 };

/** The unique-key value that names a contact (URL-encoded; normalized as the key's type says). */
const ContactParams = ProjectParams.extend({ contactId: z.string().min(1).max(1000) });
const Changed = z.object({ changed: z.boolean(), contact: ContactOut });
const tags = ["contacts"];

/**
 * Contacts of a project: create, upsert, read, change, consent, groups, profiling-table rows,
 * deactivation, erasure and search. The work is the contacts service's (`src/contacts/contacts.ts`);
 * this plugin maps its refusals to problems. See docs/api/contacts.md.
 */
export default routes(async (app) => {
  const contacts = new Contacts(app.relais);
  app.setErrorHandler((error, request, reply) =>
    errorHandler((error instanceof ContactRefused ? new ApiError(STATUS[error.code], error.code, error.message, error.problems) : error) as FastifyError, request, reply));

  const base = "/projects/:projectId/contacts";
  const one = `${base}/:contactId`;

  app.post(base, {
    schema: {
      tags, summary: "Create a contact (409 when a contact has its unique key); fires trigger.contactCreated, and trigger.contactSubscribed for consents given",
      params: ProjectParams, body: ContactBody, response: { 201: ContactOut },
    },
  }, async (request, reply) => {
    const { contact } = await contacts.save(request.params.projectId, request.body, "create");
    reply.code(201);
    return contact;
  });

  app.put(base, {
    schema: {
      tags, summary: "Create a contact or update the one with its unique key (201 created, 200 updated); given fields replace those values, given groups replace its groups",
      params: ProjectParams, body: ContactBody, response: { 200: z.object({ created: z.literal(false), contact: ContactOut }), 201: z.object({ created: z.literal(true), contact: ContactOut }) },
    },
  }, async (request, reply) => {
    const r = await contacts.save(request.params.projectId, request.body, "upsert");
    reply.code(r.created ? 201 : 200);
    return r as { created: true; contact: ContactOut };
  });

  app.get(base, {
    schema: { tags, summary: "The project's contacts in id order, a page at a time", params: ProjectParams, querystring: ListQuery, response: { 200: ContactPage } },
  }, async (request) => contacts.search(request.params.projectId, request.query, "querystring"));

  app.post(`${base}/search`, {
    config: { auth: { permission: "read" } },
    schema: {
      tags, summary: "The contacts matching a rule (the campaigns' rule language), in id order, a page at a time",
      params: ProjectParams, body: SearchBody, response: { 200: ContactPage },
    },
  }, async (request) => contacts.search(request.params.projectId, request.body, "body"));

  app.get(one, {
    schema: { tags, summary: "A contact: fields, consents (with their latest change), groups, status", params: ContactParams, response: { 200: ContactOut } },
  }, async (request) => contacts.get(request.params.projectId, request.params.contactId));

  app.patch(one, {
    schema: {
      tags, summary: "Change some fields (not the unique key); fires trigger.contactUpdated for the fields that changed",
      params: ContactParams, body: ContactPatchBody, response: { 200: ContactOut },
    },
  }, async (request) => contacts.update(request.params.projectId, request.params.contactId, request.body.fields));

  app.delete(one, {
    schema: {
      tags, summary: "Erase a contact (GDPR, Loi 25): its personal data is deleted for good, anonymous counts stay",
      params: ContactParams, response: { 200: Ok },
    },
  }, async (request) => {
    await contacts.erase(request.params.projectId, request.params.contactId);
    return { ok: true as const };
  });

  for (const [action, status] of [["deactivate", "deactivated"], ["reactivate", "active"]] as const) {
    app.post(`${one}/${action}`, {
      schema: {
        tags, summary: action === "deactivate" ? "Deactivate a contact: no campaign enters it or sends to it" : "Reactivate a deactivated contact",
        params: ContactParams, response: { 200: ContactOut },
      },
    }, async (request) => contacts.setStatus(request.params.projectId, request.params.contactId, status));
  }

  app.put(`${one}/subscriptions/:communicationType`, {
    schema: {
      tags, summary: "Subscribe or unsubscribe a contact to a communication type; logged in the consent history (nothing happens when already so)",
      params: ContactParams.extend({ communicationType: z.string().min(1).max(200) }), body: SubscriptionBody, response: { 200: Changed },
    },
  }, async (request) => {
    const { projectId, contactId, communicationType } = request.params;
    return contacts.setSubscription(projectId, contactId, communicationType, request.body.subscribed, request.body.source);
  });

  app.get(`${one}/subscriptions/history`, {
    schema: { tags, summary: "A contact's consent history, oldest first", params: ContactParams, response: { 200: z.object({ history: z.array(HistoryEntry) }) } },
  }, async (request) => ({ history: await contacts.subscriptionHistory(request.params.projectId, request.params.contactId) }));

  // For the back office's profile: what campaigns gave the contact, and the devices it can be pushed to.
  app.get(`${one}/promo-codes`, {
    schema: {
      tags, summary: "The promo codes granted to a contact, newest first (bank, code, when, and the journey that granted it)",
      params: ContactParams,
      response: { 200: z.object({ promoCodes: z.array(z.object({ bank: z.string(), code: z.string(), grantedAt: z.number().nullable(), journey: z.number().nullable() })) }) },
    },
  }, async (request) => {
    const { projectId, contactId } = request.params;
    const contact = await contacts.find(projectId, await contacts.config(projectId), contactId);
    const { db } = app.relais;
    const rows = await db.all(db.q.selectFrom("promo_codes").select(["bank", "code", "granted_at", "journey_id"])
      .where("project_id", "=", projectId).where("contact_pk", "=", contact.pk).orderBy("granted_at", "desc").orderBy("id", "desc").limit(1000));
    return {
      promoCodes: rows.map((r) => ({
        bank: r.bank, code: r.code, grantedAt: r.granted_at === null ? null : Number(r.granted_at), journey: r.journey_id === null ? null : Number(r.journey_id),
      })),
    };
  });

  app.get(`${one}/push-subscriptions`, {
    schema: {
      tags, summary: "A contact's web-push devices: the push service and when each subscribed (never the endpoint or its keys, which let anyone push to the device)",
      params: ContactParams,
      response: { 200: z.object({ devices: z.array(z.object({ service: z.string(), at: z.number().nullable() })) }) },
    },
  }, async (request) => {
    const { projectId, contactId } = request.params;
    const contact = await contacts.find(projectId, await contacts.config(projectId), contactId);
    const devices = contact.push.flatMap((s) => {
      const sub = s as { endpoint?: unknown; at?: unknown };
      if (typeof sub.endpoint !== "string") return [];
      let service = "?";
      try {
        service = new URL(sub.endpoint).host;
      } catch {
        // a stored endpoint that is not a URL: shown as unknown
      }
      return [{ service, at: typeof sub.at === "number" ? sub.at : null }];
    });
    return { devices };
  });

  const GroupParams = ContactParams.extend({ group: z.string().min(1).max(200) });
  app.put(`${one}/groups/:group`, {
    schema: { tags, summary: "Add a contact to a group of the project", params: GroupParams, response: { 200: Changed } },
  }, async (request) => contacts.setGroup(request.params.projectId, request.params.contactId, request.params.group, true));

  app.delete(`${one}/groups/:group`, {
    schema: { tags, summary: "Remove a contact from a group", params: GroupParams, response: { 200: Changed } },
  }, async (request) => contacts.setGroup(request.params.projectId, request.params.contactId, request.params.group, false));

  const TableParams = ContactParams.extend({ table: z.string().min(1).max(200) });
  app.get(`${one}/tables/:table`, {
    schema: { tags, summary: "A contact's rows of a profiling table, oldest first", params: TableParams, response: { 200: TableRows } },
  }, async (request) => {
    const { projectId, contactId, table } = request.params;
    return { table, rows: await contacts.tables.rows(projectId, contactId, table) };
  });

  app.post(`${one}/tables/:table`, {
    schema: {
      tags, summary: "Add a row to a contact's profiling table; fires trigger.profilingTable (insert)",
      params: TableParams, body: TableRowBody, response: { 201: TableRows },
    },
  }, async (request, reply) => {
    const { projectId, contactId, table } = request.params;
    const rows = await contacts.tables.insert(projectId, contactId, table, request.body.row);
    reply.code(201);
    return { table, rows };
  });

  app.put(`${one}/tables/:table`, {
    schema: {
      tags, summary: "Update the contact's row whose match column (default: the table's first) has the given value, or add it; fires trigger.profilingTable (update)",
      params: TableParams, body: TableUpdateBody, response: { 200: TableRows },
    },
  }, async (request) => {
    const { projectId, contactId, table } = request.params;
    return { table, rows: await contacts.tables.update(projectId, contactId, table, request.body.row, request.body.match) };
  });
});
