import { z } from "zod";
import { coerceField } from "../../contacts/field-values.js";
import { uniqueKeyField, type Projects } from "../../contacts/projects.js";
import { campaignReport, REPORT_OUTCOMES } from "../../reports/campaign-report.js";
import { contactTimeline } from "../../reports/contact-timeline.js";
import { outboxPage } from "../../reports/outbox.js";
import { badRequest, notFound } from "../errors.js";
import { Paging, ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const Rate = z.number().nullable();
const Share = z.object({ count: z.number(), rate: Rate });

const CampaignReportOut = z.object({
  campaign: z.object({ id: z.string(), name: z.string(), status: z.enum(["draft", "active", "paused", "stopped"]) }),
  journeys: z.number().describe("Journeys entered: one per entry of a contact"),
  elements: z.record(z.string(), z.object({
    type: z.string(), label: z.string().optional(), entered: z.number(), waiting: z.number(), exits: z.record(z.string(), z.number()),
  })),
  outcomes: z.object(Object.fromEntries(REPORT_OUTCOMES.map((o) => [o, Share])) as Record<(typeof REPORT_OUTCOMES)[number], typeof Share>),
  successRate: Rate,
  sends: z.record(z.string(), z.object({
    channel: z.string(), reached: z.number(), sent: z.number(), queued: z.number(), pendingApproval: z.number(), discarded: z.number(),
    failed: z.number(), skipped: z.record(z.string(), z.number()), delivered: z.number(), opened: z.number(), clicked: z.number(),
    unsubscribed: z.number(), complaints: z.number(), bounces: z.object({ hard: z.number(), soft: z.number() }),
    rates: z.object({
      delivery: Rate, open: Rate, click: Rate, clickToOpen: Rate, unsubscribe: Rate, complaint: Rate, bounce: Rate, skip: Rate,
    }),
  })),
  generatedAt: z.number(),
});

const MessageOut = z.object({
  id: z.number(), campaign: z.string(), element: z.string(), contact: z.string(), channel: z.string(), communicationType: z.string().nullable(),
  status: z.string(), reason: z.string().nullable(), createdAt: z.number(), sendAfter: z.number().nullable(), sentAt: z.number().nullable(),
  deliveredAt: z.number().nullable(), openedAt: z.number().nullable(), clickedAt: z.number().nullable(), bouncedAt: z.number().nullable(),
  bounceHard: z.boolean(), complainedAt: z.number().nullable(), unsubscribedAt: z.number().nullable(),
});

const TimelineOut = z.object({
  contact: z.object({ id: z.string() }),
  journeys: z.array(z.object({
    id: z.number(),
    campaign: z.object({ id: z.string(), name: z.string() }),
    enteredAt: z.number(), endedAt: z.number().nullable(), outcome: z.string(), element: z.string().nullable(),
    state: z.enum(["ready", "waiting", "held", "ended"]), dueAt: z.number().nullable(),
    steps: z.array(z.object({ element: z.string(), exit: z.string().nullable(), at: z.number() })),
    messages: z.array(MessageOut.extend({ subject: z.string().optional(), title: z.string().optional(), text: z.string().optional() })),
  })),
  next: z.string().nullable(),
});

const OutboxOut = z.object({
  messages: z.array(MessageOut.extend({ payload: z.record(z.string(), z.unknown()) })),
  next: z.string().nullable(),
});

/** A page cursor: the id of the last item of the previous page. */
function cursorId(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(cursor)) throw badRequest("invalid cursor: pass the `next` of the previous page as it was given", [{ path: "querystring.cursor", message: "not a cursor of this list" }]);
  return Number(cursor);
}

/**
 * A contact's id from the value of the project's unique key as a caller typed it, normalized as
 * contacts are stored (an email trimmed and lower-cased, a phone in E.164), or why the key's type
 * cannot hold that value.
 */
async function contactIdFrom(projects: Projects, projectId: string, raw: string): Promise<{ id: string } | { problem: string }> {
  const project = await projects.get(projectId);
  if (!project) throw notFound("project");
  const key = uniqueKeyField(project.config);
  const value = coerceField(key, raw, "csv");
  if (!value.ok) return { problem: `"${raw}" is not a valid ${key.key}: ${value.message}` };
  if (value.value === null) return { problem: `an empty ${key.key} names no contact` };
  return { id: String(value.value) };
}

/** Campaign reports, a contact's journeys as a timeline, and the outbox of rendered messages. */
export default routes(async (app) => {
  app.get("/projects/:projectId/campaigns/:campaignId/report", {
    schema: {
      tags: ["reports"],
      summary: "A campaign's figures: contacts per element and exit, outcomes, and per send: delivery, opens, clicks, skips and their rates",
      params: ProjectParams.extend({ campaignId: z.string().min(1).max(200) }),
      response: { 200: CampaignReportOut },
    },
  }, async (request) => {
    const { store, db, clock } = app.relais;
    const campaign = await store.getCampaign(request.params.campaignId);
    // Another project's campaign is answered like an unknown one: its existence is not revealed.
    if (!campaign || campaign.projectId !== request.params.projectId) throw notFound(`campaign ${request.params.campaignId}`);
    return campaignReport(store, db, campaign, clock.now());
  });

  app.get("/projects/:projectId/contacts/:contactId/journeys", {
    schema: {
      tags: ["reports"],
      summary: "A contact's journeys in every campaign of the project, newest first: steps in order, current place, outcome, messages with their event times",
      params: ProjectParams.extend({ contactId: z.string().min(1).max(320) }),
      querystring: Paging.extend({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      response: { 200: TimelineOut },
    },
  }, async (request) => {
    const { projectId, contactId } = request.params;
    const before = cursorId(request.query.cursor);
    const key = await contactIdFrom(app.relais.projects, projectId, contactId);
    // In a path, a value the key cannot hold names no contact: the same answer as an unknown one.
    const contact = "id" in key ? await app.relais.store.findContact(projectId, key.id) : undefined;
    if (!contact) throw notFound(`contact ${contactId}`);
    const page = await contactTimeline(app.relais.db, contact.pk, { before, limit: request.query.limit });
    return { contact: { id: contact.id }, ...page };
  });

  app.get("/projects/:projectId/outbox", {
    schema: {
      tags: ["reports"],
      summary: "Messages as the engine rendered them, newest first (the capture outbox when no transport is configured)",
      params: ProjectParams,
      querystring: Paging.extend({
        limit: z.coerce.number().int().min(1).max(500).default(50),
        campaign: z.string().min(1).max(200).optional(),
        contact: z.string().min(1).max(320).optional().describe("The contact's unique-key value (an email is matched case-insensitively)"),
        channel: z.enum(["email", "sms", "push"]).optional(),
        status: z.enum(["queued", "sent", "skipped", "pendingApproval", "discarded", "failed"]).optional(),
      }),
      response: { 200: OutboxOut },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const q = request.query;
    const before = cursorId(q.cursor);
    let contactPk: number | undefined;
    if (q.contact !== undefined) {
      const key = await contactIdFrom(app.relais.projects, projectId, q.contact);
      if ("problem" in key) throw badRequest(`invalid contact filter: ${key.problem}`, [{ path: "querystring.contact", message: key.problem }]);
      const contact = await app.relais.store.findContact(projectId, key.id);
      if (!contact) return { messages: [], next: null };
      contactPk = contact.pk;
    }
    return outboxPage(app.relais.db, projectId, {
      campaign: q.campaign, contactPk, channel: q.channel, status: q.status, before, limit: q.limit,
    });
  });
});
