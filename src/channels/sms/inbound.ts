import { logSubscriptions } from "../../contacts/subscription-log.js";
import type { Engine } from "../../engine/engine.js";
import { normalizeAddress } from "../../model/addresses.js";
import { addressField } from "../../model/index.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { ChannelRouter } from "../router.js";
import { ProjectSmsTransport } from "./project-sms.js";
import { SmppTransport } from "./smpp-transport.js";

/** The opt-out keywords, compared without case, accents or surrounding spaces and punctuation. */
const STOP_WORDS = new Map<string, "fr" | "en" | "both">([["STOP", "both"], ["ARRET", "fr"], ["DESABONNER", "fr"], ["UNSUBSCRIBE", "en"]]);

/** The keyword of an opt-out SMS (`STOP`, `ARRÊT`…), else undefined. */
export function stopKeyword(text: string): "fr" | "en" | "both" | undefined {
  const word = text.normalize("NFD").replace(/\p{M}/gu, "").trim().replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "").toUpperCase();
  return STOP_WORDS.get(word);
}

/** The confirmation sent back to an opt-out, in the language of its keyword (both for STOP). */
export function stopReply(lang: "fr" | "en" | "both"): string {
  const fr = "Vous ne recevrez plus de SMS de notre part.";
  const en = "You will no longer receive text messages from us.";
  return lang === "fr" ? fr : lang === "en" ? en : `${fr} / ${en}`;
}

export interface InboundDeps {
  engine: Engine;
  db: DirectoryDb;
  now: () => number;
  wake?: () => void;
}

/**
 * An inbound SMS: when it is an opt-out keyword, every contact whose phone (normalized to E.164)
 * is the sender's is unsubscribed from every SMS communication type of its project
 * (`trigger.contactUnsubscribed` campaigns fire; consent history source `sms-stop`). Returns the
 * reply to send, or undefined for any other text (ignored). `onlyProject`: the project whose
 * number received it (the HTTP provider's webhook); else every project (one SMPP account).
 */
export async function handleInboundSms(deps: InboundDeps, from: string, text: string, onlyProject?: string): Promise<{ reply: string; unsubscribed: number } | undefined> {
  const lang = stopKeyword(text);
  if (!lang) return undefined;
  const phone = normalizeAddress(from, "phone");
  if (!phone) return undefined;
  const { db, engine } = deps;
  const at = deps.now();
  let unsubscribed = 0;
  // Phones are stored as typed: the last four digits narrow the candidates, E.164 decides.
  const tail = phone.slice(-4);
  const projects = onlyProject ? [{ id: onlyProject }] : await db.all(db.q.selectFrom("projects").select("id"));
  for (const { id } of projects) {
    const project = await db.store.getProject(id);
    const field = project && addressField(project, "phone");
    const types = project?.communicationTypes.filter((t) => t.channel === "sms").map((t) => t.key) ?? [];
    if (!field || types.length === 0) continue;
    const rows = await db.all(db.q.selectFrom("contacts").select(["pk", "id", "fields", "subscriptions"]).where("project_id", "=", id).where("fields", "like", `%${tail}%`));
    for (const row of rows) {
      const fields = JSON.parse(row.fields) as Record<string, unknown>;
      if (normalizeAddress(fields[field], "phone") !== phone) continue;
      const subscriptions = JSON.parse(row.subscriptions) as Record<string, boolean>;
      const off = types.filter((t) => subscriptions[t] === true);
      if (off.length === 0) continue;
      await db.store.transaction(async () => {
        for (const t of off) await engine.contactEvent(id, { type: "contact.unsubscribed", contact: row.id, communicationType: t }, at);
        await logSubscriptions(db, off.map((t) => ({ projectId: id, contactPk: Number(row.pk), communicationType: t, subscribed: false, at, source: "sms-stop" })));
      });
      unsubscribed++;
    }
  }
  deps.wake?.();
  return { reply: stopReply(lang), unsubscribed };
}

/** Makes the SMPP transport of `router` (if any) stay bound and answer inbound SMS: STOP and its kin unsubscribe. */
export function attachSmsInbound(router: ChannelRouter, deps: InboundDeps): void {
  const routed = router.transportFor("sms");
  const sms = routed instanceof ProjectSmsTransport ? routed.fallback : routed;
  if (!(sms instanceof SmppTransport)) return;
  sms.inbound = async (from, _to, text) => (await handleInboundSms(deps, from, text))?.reply;
  sms.keepBound();
}
