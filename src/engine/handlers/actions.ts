import { DateTime, IANAZone } from "luxon";
import { addressField, evaluateRule, ruleUsesTables, type ProjectConfig, type Rule } from "../../model/index.js";
import type { ContactRecord, MessageInput, MessageRecord, Token } from "../../store/store.js";
import { normalizeAddress } from "../../model/addresses.js";
import type { BatchContext, Decision, Handler } from "../handler.js";
import { TemplateRenderer } from "../template.js";
import { localDate, localHour, nextHourStart } from "../time.js";
import { prepareEmail, TemplateError } from "../../channels/email/render.js";
import { projectSenderDefaults } from "../../channels/email/render-sender.js";
import { smsAddress } from "../../channels/sms/phone.js";
import { trackSmsLinks } from "../../channels/sms/sms-links.js";
import { afterQuietHours, DEFAULT_QUIET_HOURS } from "../../channels/sms/quiet-hours.js";
import { templateCarts } from "../../commerce/carts.js";

const next = (tokens: Token[]): Decision[] => tokens.map((token) => ({ token, exit: "next" }));

/** The Liquid context of ELEMENTS.md §4 for one contact of a batch. */
export async function templateContexts(tokens: Token[], contacts: Map<number, ContactRecord>, ctx: BatchContext) {
  // The journey's trigger data and promo code are read only when the element's templates use them.
  const usesJourney = /\b(trigger|promo)\b/.test(JSON.stringify(ctx.element.params));
  const journeys = usesJourney
    ? await ctx.store.journeyContext(tokens.map((t) => t.journey))
    : new Map<number, { triggerData: unknown; promoCode: string | null; enteredAt: number }>();
  // Carts (e-commerce module) likewise: one read for the batch, only when the templates name `cart`.
  const carts = ctx.project.modules?.ecommerce === true && /\bcart\b/.test(JSON.stringify(ctx.element.params))
    ? await templateCarts(ctx.store, ctx.projectId, tokens.map((t) => t.contactPk))
    : undefined;
  const dates = new Map<number, string>();
  const runDate = (at: number) => {
    let d = dates.get(at);
    if (d === undefined) dates.set(at, (d = localDate(at, ctx.compiled.timezone)));
    return d;
  };
  return (t: Token, extra: Record<string, unknown> = {}) => {
    const c = contacts.get(t.contactPk);
    const j = journeys.get(t.journey);
    const key = { journey: t.journey, element: ctx.element.id, hop: t.hop };
    return {
      contact: { id: t.contactId, ...(c?.fields ?? {}) },
      trigger: { data: j?.triggerData ?? {} },
      // null, not "", without a code: `{% if promo.code %}` is then false (an empty string is truthy in Liquid).
      promo: { code: j?.promoCode ?? null },
      campaign: { name: ctx.campaign.doc.name, id: ctx.campaign.id },
      run: { date: runDate(j?.enteredAt ?? t.enteredAt) },
      ...(carts?.has(t.contactPk) ? { cart: carts.get(t.contactPk) } : {}),
      unsubscribe_url: ctx.links.url("unsubscribe", key),
      view_online_url: ctx.links.url("view", key),
      ...extra,
    };
  };
}

type Channel = "email" | "sms" | "push";

/** Why a contact cannot receive a message on a channel, or undefined when it can. */
function skipReason(c: ContactRecord | undefined, channel: Channel, commType: string | undefined, project: ProjectConfig, bounced: Set<string>): string | undefined {
  if (!c || c.status !== "active") return "deactivated";
  if (channel === "push") {
    if (!Array.isArray(c.push) || c.push.length === 0) return "noAddress";
  } else {
    const field = addressField(project, channel === "email" ? "email" : "phone");
    const address = !field ? undefined : channel === "sms" ? smsTo(c, project) : normalizeAddress(c.fields[field], "email");
    if (!address) return "noAddress";
    if (commType !== undefined && !isAdministrative(project, commType) && c.subscriptions[commType] !== true) return "unsubscribed";
    if (channel === "email" && bounced.has(address)) return "bounced";
    return undefined;
  }
  if (commType !== undefined && !isAdministrative(project, commType) && c.subscriptions[commType] !== true) return "unsubscribed";
  return undefined;
}

/** The contact's phone in E.164 (read in the project's SMS country), else undefined. */
const smsTo = (c: ContactRecord, project: ProjectConfig) => {
  const r = smsAddress(c.fields[addressField(project, "phone")!], project.sms?.defaultCountry);
  return r.ok ? r.e164 : undefined;
};

const isAdministrative = (project: ProjectConfig, key: string) => project.communicationTypes.find((t) => t.key === key)?.administrative === true;

/**
 * The local hour at which the contact opened or clicked most often (ties: the latest hour); with no
 * history, the project's most frequent such hour; with none at all, the project's send hour.
 */
async function bestHours(tokens: Token[], contacts: Map<number, ContactRecord>, ctx: BatchContext): Promise<Map<number, { hour: number; zone: string }>> {
  const zoneOf = (c: ContactRecord | undefined) => {
    const z = c?.fields.timezone;
    return typeof z === "string" && IANAZone.isValidZone(z) ? z : ctx.compiled.timezone;
  };
  const rows = await ctx.store.interactions(tokens.map((t) => t.contactPk), 0, ctx.now);
  const top = (times: number[], zone: string): number | undefined => {
    if (times.length === 0) return undefined;
    const counts = new Array(24).fill(0);
    for (const at of times) counts[localHour(at, zone)]++;
    let best = 0;
    for (let h = 0; h < 24; h++) if (counts[h] >= counts[best]) best = h;
    return best;
  };
  let projectHour: number | undefined | null = null;
  const out = new Map<number, { hour: number; zone: string }>();
  for (const t of tokens) {
    const c = contacts.get(t.contactPk);
    const zone = zoneOf(c);
    let hour = top(rows.filter((r) => r.contactPk === t.contactPk).map((r) => r.at), zone);
    if (hour === undefined) {
      if (projectHour === null) projectHour = top(await ctx.store.projectInteractionTimes(ctx.projectId, ctx.now), ctx.compiled.timezone);
      hour = projectHour ?? ctx.project.sendHour;
    }
    out.set(t.contactPk, { hour, zone });
  }
  return out;
}

function send(channel: Channel): Handler {
  return async (tokens, ctx) => {
    const p = ctx.element.params;
    const commType: string | undefined = p.communicationType;
    const contacts = await ctx.contacts(tokens);
    const emailField = addressField(ctx.project, "email");
    const bounced = channel === "email" && emailField
      ? await ctx.store.bouncedAmong(ctx.projectId, [...contacts.values()].map((c) => normalizeAddress(c.fields[emailField], "email")).filter((a): a is string => !!a))
      : new Set<string>();
    const context = await templateContexts(tokens, contacts, ctx);
    const optimized = channel === "email" && p.optimizedSendTime === true && p.requestApproval !== true;
    const hours = optimized ? await bestHours(tokens, contacts, ctx) : undefined;
    // Email content: templates compiled once per version (cached), rendered per contact below.
    const email = channel === "email" ? await prepareEmail(p.message ?? {}) : undefined;
    const senders = channel === "email" && email?.email ? await projectSenderDefaults(ctx.store, ctx.projectId) : undefined;
    const templateErrors: { contact: string; error: string }[] = [];
    const messages: MessageInput[] = [];
    for (const t of tokens) {
      const c = contacts.get(t.contactPk);
      const base = { journey: t.journey, contactPk: t.contactPk, contactId: t.contactId, element: ctx.element.id, hop: t.hop, channel, communicationType: commType ?? null, createdAt: ctx.now };
      const reason = skipReason(c, channel, commType, ctx.project, bounced);
      if (reason) {
        const phone = reason === "noAddress" && channel === "sms" && c ? smsAddress(c.fields[addressField(ctx.project, "phone") ?? ""], ctx.project.sms?.defaultCountry) : undefined;
        messages.push({ ...base, status: "skipped", reason, payload: phone && !phone.ok ? { error: phone.error } : {} });
        continue;
      }
      let vars: Record<string, unknown> | undefined;
      // Only the parts a message has: undefined values never enter the payload object.
      const payload: Record<string, unknown> = {};
      const put = (key: string, text: unknown) => {
        if (typeof text !== "string") return;
        payload[key] = TemplateRenderer.isTemplate(text) ? ctx.renderer.render(text, (vars ??= context(t))) : text;
      };
      if (channel === "email") {
        // A template that cannot be rendered skips the send (reason templateError): never a crashed batch.
        try {
          if (!email?.email) throw new TemplateError(email?.problems ?? []);
          Object.assign(payload, email.email.render(email.email.personalized ? (vars ??= context(t)) : {}, {
            to: String(c!.fields[emailField!]), links: ctx.links, key: { journey: t.journey, element: ctx.element.id, hop: t.hop }, defaults: senders,
          }));
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          templateErrors.push({ contact: t.contactId, error: e.message });
          messages.push({ ...base, status: "skipped", reason: "templateError", payload: { error: e.message } });
          continue;
        }
      } else if (channel === "sms") {
        payload.to = smsTo(c!, ctx.project);
        put("text", p.message.text);
        // Clicks come back through short signed links; the targets stay in the message (docs/sms-push.md).
        if (typeof payload.text === "string") {
          const links: string[] = [];
          payload.text = trackSmsLinks(payload.text, (url, i) => {
            links.push(url);
            return ctx.links.short({ journey: t.journey, element: ctx.element.id, hop: t.hop }, i);
          });
          if (links.length) payload.links = links;
        }
      } else {
        put("title", p.message.title);
        put("body", p.message.body);
        put("url", p.message.url);
        put("icon", p.message.icon);
        payload.subscriptions = c!.push.length;
      }
      const hour = hours?.get(t.contactPk);
      let sendAfter = hour ? nextHourStart(ctx.now, hour.hour, hour.zone) : undefined;
      if (channel === "sms") {
        // Quiet hours hold the SMS until they end (project time zone): the outbox sends it then.
        const allowed = afterQuietHours(ctx.now, ctx.project.timezone, ctx.project.sms?.quietHours === undefined ? DEFAULT_QUIET_HOURS : ctx.project.sms.quietHours);
        if (allowed > ctx.now) sendAfter = allowed;
      }
      messages.push({
        ...base,
        status: p.requestApproval === true ? "pendingApproval" : "queued",
        sendAfter,
        payload,
      });
    }
    if (templateErrors.length) {
      await ctx.store.notice(ctx.campaign.id, ctx.element.id, ctx.now, "TEMPLATE_ERROR", { contacts: templateErrors.map((x) => x.contact).sort(), error: templateErrors[0].error });
    }
    const ids = await ctx.store.insertMessages(ctx.projectId, ctx.campaign.id, messages);
    const now: MessageRecord[] = [];
    messages.forEach((m, i) => {
      const id = ids[i];
      if (id === null || m.status !== "queued" || (m.sendAfter !== undefined && m.sendAfter > ctx.now)) return;
      now.push({
        ...m, id, campaignId: ctx.campaign.id, sentAt: null, deliveredAt: null, openedAt: null, clickedAt: null, bouncedAt: null,
        complainedAt: null, unsubscribedAt: null, unsubscribedType: null, bounceHard: false,
      });
    });
    ctx.handOver(now);
    return next(tokens);
  };
}

const updateContacts: Handler = async (tokens, ctx) => {
  const set = ctx.element.params.set as Record<string, unknown>;
  const contacts = await ctx.contacts(tokens);
  const context = await templateContexts(tokens, contacts, ctx);
  const types = new Map(ctx.project.fields.map((f) => [f.key, f.type]));
  for (const t of tokens) {
    const c = contacts.get(t.contactPk);
    if (!c) continue;
    const fields = { ...c.fields };
    for (const [key, value] of Object.entries(set)) {
      let v = typeof value === "string" ? ctx.renderer.render(value, context(t)) : value;
      if (typeof v === "string" && types.get(key) === "number" && v.trim() !== "" && Number.isFinite(Number(v))) v = Number(v);
      if (typeof v === "string" && types.get(key) === "boolean" && /^(true|false)$/i.test(v.trim())) v = v.trim().toLowerCase() === "true";
      fields[key] = v;
    }
    await ctx.store.patchContact(c.pk, { fields });
  }
  return next(tokens);
};

const unsubscribeContacts: Handler = async (tokens, ctx) => {
  const { mode, communicationTypes } = ctx.element.params as { mode: string; communicationTypes?: string[] };
  const contacts = await ctx.contacts(tokens);
  for (const c of contacts.values()) {
    if (mode === "deactivate") await ctx.store.patchContact(c.pk, { status: "deactivated" });
    else {
      const types = communicationTypes?.length ? communicationTypes : ctx.project.communicationTypes.map((x) => x.key);
      const subscriptions = { ...c.subscriptions };
      for (const k of types) subscriptions[k] = false;
      await ctx.store.patchContact(c.pk, { subscriptions });
    }
  }
  return next(tokens);
};

/**
 * Gives each contact the next unused code, in contact-id order; an empty bank is reported and the
 * contact goes on. An expired bank (its `expiresAt` reached) grants nothing: the contacts go on
 * without a code, as with an empty bank, and the report says the bank expired.
 */
const grantPromoCode: Handler = async (tokens, ctx) => {
  const bank = ctx.element.params.bank as string;
  const expiresAt = ctx.project.promoBanks.find((b) => b.key === bank)?.expiresAt;
  if (expiresAt !== undefined && ctx.now >= expiresAt) {
    await ctx.store.notice(ctx.campaign.id, ctx.element.id, ctx.now, "PROMO_BANK_EXPIRED", { bank, expiresAt, contacts: tokens.map((t) => t.contactId).sort() });
    return next(tokens);
  }
  const missing: string[] = [];
  for (const t of [...tokens].sort((a, b) => (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0))) {
    const code = await ctx.store.takePromoCode(ctx.projectId, bank, t.contactPk, t.journey, ctx.now);
    if (code === null) missing.push(t.contactId);
  }
  if (missing.length) await ctx.store.notice(ctx.campaign.id, ctx.element.id, ctx.now, "PROMO_BANK_EMPTY", { bank, contacts: missing });
  return next(tokens);
};

function batchKey(t: Token, ctx: BatchContext, batch: string): string {
  if (batch === "hour") return DateTime.fromMillis(ctx.now, { zone: ctx.compiled.timezone }).toFormat("yyyy-LL-dd'T'HH");
  if (batch === "day") return localDate(ctx.now, ctx.compiled.timezone);
  return t.runId !== null ? `run:${t.runId}` : `at:${ctx.now}`;
}

/** Groups tokens by file (batch key), keeping arrival then contact-id order inside each. */
function byFile(tokens: Token[], ctx: BatchContext, batch: string): Map<string, Token[]> {
  const files = new Map<string, Token[]>();
  for (const t of tokens) {
    const k = batchKey(t, ctx, batch);
    const list = files.get(k) ?? [];
    list.push(t);
    files.set(k, list);
  }
  return files;
}

/**
 * A file is complete, and may be uploaded, this long after the last batch that wrote to it
 * committed. A run larger than the engine's batch size reaches the element in several
 * consecutive batches, a moment apart: they all land in the same file before it goes.
 */
export const FILE_SETTLE_MS = 10_000;

/**
 * When a file of this batch key is complete (docs/exports.md, "When a file is complete"): a
 * `run` (or event-instant) file once the batch writing it commits, `hour` and `day` files once
 * their local hour or day is over; each plus FILE_SETTLE_MS.
 */
function fileReadyAt(ctx: BatchContext, batch: string): number {
  if (batch === "hour" || batch === "day") {
    const unit = batch === "hour" ? "hour" : "day";
    return DateTime.fromMillis(ctx.now, { zone: ctx.compiled.timezone }).startOf(unit).plus({ [`${unit}s`]: 1 }).toMillis() + FILE_SETTLE_MS;
  }
  return ctx.now + FILE_SETTLE_MS;
}

const exportData: Handler = async (tokens, ctx) => {
  const p = ctx.element.params as { destination: string; path: string; fields: string[]; filter?: Rule; batch?: string };
  const contacts = await ctx.contacts(tokens, { tables: p.filter ? ruleUsesTables(p.filter) : false });
  const context = await templateContexts(tokens, contacts, ctx);
  for (const [key, list] of byFile(tokens, ctx, p.batch ?? "run")) {
    const rows: Record<string, unknown>[] = [];
    for (const t of list) {
      const c = contacts.get(t.contactPk);
      if (!c) continue;
      if (p.filter && !evaluateRule(p.filter, { fields: c.fields, tables: c.tables }, ctx.ruleEnv)) continue;
      rows.push(Object.fromEntries(p.fields.map((f) => [f, f === "id" ? c.id : (c.fields[f] ?? "")])));
    }
    const path = ctx.renderer.render(p.path, context(list[0]));
    await ctx.store.appendFileRows(ctx.campaign.id, ctx.element.id, p.destination, path, "export", key, ctx.now, rows, { columns: p.fields, readyAt: fileReadyAt(ctx, p.batch ?? "run") });
  }
  return next(tokens);
};

/** Canadian postal codes are normalized to `A1A 1A1`; other values are trimmed. */
export function normalizePostalCode(value: unknown): string | undefined {
  const s = String(value ?? "").trim().toUpperCase().replace(/\s+/g, "");
  if (s === "") return undefined;
  if (/^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(s)) return `${s.slice(0, 3)} ${s.slice(3)}`;
  return String(value).trim();
}

function postalAddress(c: ContactRecord, project: ProjectConfig): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const f of project.postalFields) {
    const raw = c.fields[f];
    const v = /postal|zip/i.test(f) ? normalizePostalCode(raw) : raw === undefined || raw === null ? undefined : String(raw).trim();
    if (v === undefined || v === "") return undefined;
    if (/postal/i.test(f) && (c.fields.country === undefined || /^(ca|can|canada)$/i.test(String(c.fields.country))) && !/^[A-Z]\d[A-Z] \d[A-Z]\d$/.test(String(v))) return undefined;
    out[f] = v;
  }
  return out;
}

/**
 * Postal mailing and update. Relais remembers, per destination, which contacts each postal file
 * held and with which address; `remove` lists those no longer eligible who were in an earlier
 * mailing or update file, `update` the eligible ones whose address changed since the last file that held them.
 */
function postal(mode: "mailing" | "remove" | "update"): Handler {
  return async (tokens, ctx) => {
    const p = ctx.element.params as { communicationType: string; destination: string; path: string; mode?: string };
    const contacts = await ctx.contacts(tokens);
    const context = await templateContexts(tokens, contacts, ctx);
    const history = mode === "mailing" ? new Map() : await ctx.store.postalHistory(ctx.projectId, p.destination, tokens.map((t) => t.contactPk), ctx.now);
    for (const [key, list] of byFile(tokens, ctx, "run")) {
      const rows: Record<string, unknown>[] = [];
      const held: { pk: number; address: unknown }[] = [];
      for (const t of list) {
        const c = contacts.get(t.contactPk);
        if (!c) continue;
        const eligible = c.status === "active" && c.subscriptions[p.communicationType] === true;
        const address = eligible ? postalAddress(c, ctx.project) : undefined;
        const past = (history.get(c.pk) ?? []) as { kind: string; address: unknown }[];
        const lastHeld = [...past].reverse().find((h) => h.kind === "mailing" || h.kind === "update");
        const lastAny = past[past.length - 1];
        if (mode === "mailing" && address) {
          rows.push({ id: c.id, ...address });
          held.push({ pk: c.pk, address });
        } else if (mode === "remove" && !address && lastHeld && lastAny?.kind !== "remove") {
          rows.push({ id: c.id, ...(postalAddressLoose(c, ctx.project)) });
          held.push({ pk: c.pk, address: null });
        } else if (mode === "update" && address && lastHeld && JSON.stringify(lastHeld.address) !== JSON.stringify(address)) {
          rows.push({ id: c.id, ...address });
          held.push({ pk: c.pk, address });
        }
      }
      const path = ctx.renderer.render(p.path, context(list[0]));
      // Who the file holds reaches the postal history once the destination received the file (on upload).
      await ctx.store.appendFileRows(ctx.campaign.id, ctx.element.id, p.destination, path, `postal-${mode}`, key, ctx.now, rows, {
        columns: ["id", ...ctx.project.postalFields], readyAt: fileReadyAt(ctx, "run"),
        postal: held.map((h) => ({ contactPk: h.pk, kind: mode, address: h.address })),
      });
    }
    return next(tokens);
  };
}

function postalAddressLoose(c: ContactRecord, project: ProjectConfig): Record<string, unknown> {
  return Object.fromEntries(project.postalFields.map((f) => [f, c.fields[f] ?? ""]));
}

const postalUpdate: Handler = async (tokens, ctx) => postal(ctx.element.params.mode === "remove" ? "remove" : "update")(tokens, ctx);

export const actionHandlers: Record<string, Handler> = {
  "action.sendEmail": send("email"),
  "action.sendSms": send("sms"),
  "action.sendWebPush": send("push"),
  "action.exportData": exportData,
  "action.updateContacts": updateContacts,
  "action.unsubscribeContacts": unsubscribeContacts,
  "action.grantPromoCode": grantPromoCode,
  "action.postalMailing": postal("mailing"),
  "action.postalUpdate": postalUpdate,
};
