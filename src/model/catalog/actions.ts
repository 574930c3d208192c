import { z } from "zod";
import { Rule } from "../rule.js";
import { defineElement, NEXT, type Reference } from "./element-def.js";

const key = z.string().min(1);

export const EmailMessage = z
  .object({
    subject: z.string().min(1),
    html: z.string().optional(),
    mjml: z.string().optional(),
    text: z.string().optional(),
    from: z.string().optional(),
    replyTo: z.string().optional(),
    preheader: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.html === undefined && m.mjml === undefined)
      ctx.addIssue({ code: "custom", path: ["html"], message: "an email needs html or mjml" });
  });
export type EmailMessage = z.infer<typeof EmailMessage>;

const commType = (channel: Reference["channel"]) => (p: { communicationType?: string }): Reference[] =>
  p.communicationType ? [{ kind: "communicationType", key: p.communicationType, path: ["params", "communicationType"], channel }] : [];
const destination = (p: { destination: string }): Reference => ({ kind: "destination", key: p.destination, path: ["params", "destination"] });

export const actions = [
  defineElement({
    type: "action.sendEmail", family: "action", exits: NEXT, sends: "email",
    label: { fr: "Envoyer un courriel", en: "Send an email" },
    description: {
      fr: "Envoie un courriel personnalisé (Liquid) aux contacts abonnés au type de communication; le contact continue aussitôt.",
      en: "Sends a personalized (Liquid) email to contacts subscribed to the communication type; the contact goes on at once.",
    },
    params: z.object({
      communicationType: key,
      message: EmailMessage,
      requestApproval: z.boolean().optional(),
      optimizedSendTime: z.boolean().optional(),
    }),
    references: commType("email"),
  }),
  defineElement({
    type: "action.sendSms", family: "action", exits: NEXT, sends: "sms",
    label: { fr: "Envoyer un SMS", en: "Send an SMS" },
    description: { fr: "Envoie un SMS aux contacts abonnés au type de communication.", en: "Sends an SMS to contacts subscribed to the communication type." },
    params: z.object({ communicationType: key, message: z.object({ text: z.string().min(1) }) }),
    references: commType("sms"),
  }),
  defineElement({
    type: "action.sendWebPush", family: "action", exits: NEXT, sends: "push",
    label: { fr: "Envoyer un web push", en: "Send a web push" },
    description: {
      fr: "Envoie une notification web push aux appareils abonnés du contact.",
      en: "Sends a web push notification to the contact's subscribed devices.",
    },
    params: z.object({
      communicationType: key.optional(),
      message: z.object({ title: z.string().min(1), body: z.string().min(1), url: z.string().optional(), icon: z.string().optional() }),
    }),
    references: commType("push"),
  }),
  defineElement({
    type: "action.exportData", family: "action", exits: NEXT,
    label: { fr: "Exporter des données", en: "Export data" },
    description: {
      fr: "Écrit les contacts qui l'atteignent dans un fichier CSV déposé sur un serveur SFTP.",
      en: "Writes the contacts reaching it to a CSV file uploaded to an SFTP server.",
    },
    params: z.object({
      destination: key,
      path: key,
      fields: z.array(key).min(1),
      filter: Rule.optional(),
      batch: z.enum(["run", "hour", "day"]).optional(),
    }),
    references: (p) => [
      destination(p),
      ...p.fields.map((f, i): Reference => ({ kind: "field", key: f, path: ["params", "fields", i] })),
    ],
    rules: (p) => (p.filter ? [{ rule: p.filter, path: ["params", "filter"] }] : []),
  }),
  defineElement({
    type: "action.updateContacts", family: "action", exits: NEXT,
    label: { fr: "Mettre à jour des contacts", en: "Update contacts" },
    description: {
      fr: "Donne une valeur (littérale ou Liquid) à des champs généraux du contact.",
      en: "Sets general fields of the contact to a literal or Liquid value.",
    },
    params: z.object({
      set: z.record(key, z.union([z.string(), z.number(), z.boolean(), z.null()])).refine((s) => Object.keys(s).length > 0, "set at least one field"),
    }),
    references: (p) => Object.keys(p.set).map((f): Reference => ({ kind: "field", key: f, path: ["params", "set", f] })),
  }),
  defineElement({
    type: "action.unsubscribeContacts", family: "action", exits: NEXT,
    label: { fr: "Désabonner des contacts", en: "Unsubscribe contacts" },
    description: {
      fr: "Désabonne le contact des types choisis (tous si aucun), ou le désactive.",
      en: "Unsubscribes the contact from the chosen types (all if none), or deactivates it.",
    },
    params: z.object({ mode: z.enum(["unsubscribe", "deactivate"]), communicationTypes: z.array(key).optional() }),
    references: (p) => (p.communicationTypes ?? []).map((k, i): Reference => ({ kind: "communicationType", key: k, path: ["params", "communicationTypes", i] })),
  }),
  defineElement({
    type: "action.grantPromoCode", family: "action", exits: NEXT,
    label: { fr: "Accorder un code promo", en: "Grant a promo code" },
    description: {
      fr: "Donne au contact le prochain code inutilisé de la banque, une seule fois; lisible comme promo.code dans les courriels suivants.",
      en: "Gives the contact the next unused code of the bank, once; readable as promo.code in later emails.",
    },
    params: z.object({ bank: key }),
    references: (p) => [{ kind: "promoBank", key: p.bank, path: ["params", "bank"] }],
  }),
  defineElement({
    type: "action.postalMailing", family: "action", exits: NEXT,
    label: { fr: "Envoi postal", en: "Postal mailing" },
    description: {
      fr: "Écrit dans le fichier d'envoi postal les contacts admissibles (abonnés, adresse postale complète).",
      en: "Writes the eligible contacts (subscribed, full postal address) to the postal mailing file.",
    },
    params: z.object({ communicationType: key, destination: key, path: key }),
    references: (p) => [...commType("postal")(p), destination(p)],
  }),
  defineElement({
    type: "action.postalUpdate", family: "action", exits: NEXT,
    label: { fr: "Mise à jour postale", en: "Postal update" },
    description: {
      fr: "Retrait : les contacts devenus inadmissibles qui figuraient dans un fichier postal antérieur; mise à jour : les admissibles dont l'adresse a changé.",
      en: "Remove: contacts no longer eligible who were in an earlier postal file; update: eligible ones whose address changed.",
    },
    params: z.object({ communicationType: key, mode: z.enum(["remove", "update"]), destination: key, path: key }),
    references: (p) => [...commType("postal")(p), destination(p)],
  }),
];
