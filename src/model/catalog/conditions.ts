import { z } from "zod";
import { Duration } from "../duration.js";
import { FieldRule, Rule, TableRule } from "../rule.js";
import { defineElement, TRUE_FALSE, type Reference } from "./element-def.js";

const key = z.string().min(1);
const match = z.enum(["any", "all"]);
const messageRef = (p: { message?: string }): Reference[] =>
  p.message ? [{ kind: "message", key: p.message, path: ["params", "message"] }] : [];
const grey = ["false"];

export const conditions = [
  defineElement({
    type: "condition.profile", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Profil simple", en: "Simple profile" },
    description: { fr: "Vrai quand la règle sur un champ ou une table de profilage est respectée.", en: "True when the rule on a field or profiling table holds." },
    params: z.union([TableRule, FieldRule]) as z.ZodType<FieldRule | import("../rule.js").TableRule>,
    rules: (p) => [{ rule: p as Rule, path: ["params"] }],
  }),
  defineElement({
    type: "condition.groups", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Groupes", en: "Groups" },
    description: { fr: "Vrai quand le contact est membre de l'un (ou de tous) des groupes.", en: "True when the contact is a member of any (or all) of the groups." },
    params: z.object({ groups: z.array(key).min(1), match: match.default("any") }),
    references: (p) => p.groups.map((g, i): Reference => ({ kind: "group", key: g, path: ["params", "groups", i] })),
  }),
  defineElement({
    type: "condition.advancedProfile", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Profil avancé", en: "Advanced profile" },
    description: { fr: "Vrai quand la règle (et, ou, non, tables) est respectée.", en: "True when the rule (all, any, not, tables) holds." },
    params: z.object({ rule: Rule }),
    rules: (p) => [{ rule: p.rule, path: ["params", "rule"] }],
  }),
  defineElement({
    type: "condition.personas", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Personas", en: "Personas" },
    description: { fr: "Vrai quand le contact correspond à l'une (ou à toutes) des personas.", en: "True when the contact matches any (or all) of the personas." },
    params: z.object({ personas: z.array(key).min(1), match: match.default("any") }),
    references: (p) => p.personas.map((g, i): Reference => ({ kind: "persona", key: g, path: ["params", "personas", i] })),
  }),
  defineElement({
    type: "condition.recencyFrequency", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Récence/fréquence", en: "Recency/frequency" },
    description: {
      fr: "Vrai quand le contact a interagi au moins N fois avec un courriel du projet dans la fenêtre choisie.",
      en: "True when the contact interacted at least N times with any email of the project within the window.",
    },
    params: z.object({
      interaction: z.enum(["opened", "clicked", "openedOrClicked"]),
      within: Duration,
      atLeast: z.number().int().min(1).optional(),
    }),
  }),
  defineElement({
    type: "condition.messageDelivered", family: "condition", exits: TRUE_FALSE, greyExits: grey, onSend: true,
    label: { fr: "Message livré", en: "Message delivered" },
    description: { fr: "Vrai quand le message (ou n'importe quel message du parcours) a été livré.", en: "True when the message (or any message of the journey) was delivered." },
    params: z.object({ message: key.optional() }),
    references: messageRef,
  }),
  defineElement({
    type: "condition.messageOpened", family: "condition", exits: TRUE_FALSE, greyExits: grey, onSend: true,
    label: { fr: "Message ouvert", en: "Message opened" },
    description: { fr: "Vrai quand le message a été ouvert (un clic compte comme une ouverture).", en: "True when the message was opened (a click counts as an open)." },
    params: z.object({ message: key.optional() }),
    references: messageRef,
  }),
  defineElement({
    type: "condition.messageClicked", family: "condition", exits: TRUE_FALSE, greyExits: grey, onSend: true,
    label: { fr: "Message cliqué", en: "Message clicked" },
    description: { fr: "Vrai quand un lien du message (l'un des liens choisis, s'il y en a) a été cliqué.", en: "True when a link of the message (one of the chosen links, if any) was clicked." },
    params: z.object({ message: key.optional(), links: z.array(key).optional() }),
    references: messageRef,
  }),
  defineElement({
    type: "condition.unsubscribedFromCampaign", family: "condition", exits: TRUE_FALSE, greyExits: grey, onSend: true,
    label: { fr: "Contact désabonné", en: "Contact unsubscribed" },
    description: {
      fr: "Vrai quand le contact s'est désabonné par le lien d'un message de ce parcours.",
      en: "True when the contact unsubscribed through the link of a message of this journey.",
    },
    params: z.object({ communicationTypes: z.array(key).optional() }),
    references: (p) => (p.communicationTypes ?? []).map((k, i): Reference => ({ kind: "communicationType", key: k, path: ["params", "communicationTypes", i] })),
  }),
  defineElement({
    type: "condition.complaint", family: "condition", exits: TRUE_FALSE, greyExits: grey, onSend: true,
    label: { fr: "Plainte", en: "Complaint" },
    description: { fr: "Vrai quand le contact a signalé un message de ce parcours comme pourriel.", en: "True when the contact reported a message of this journey as spam." },
    params: z.object({}),
  }),
  defineElement({
    type: "condition.deduplicate", family: "condition", exits: TRUE_FALSE, greyExits: grey,
    label: { fr: "Retrait de doublons", en: "Duplicate removal" },
    description: {
      fr: "Parmi les contacts arrivés ensemble qui partagent une adresse, le contact gardé va à « vrai », les autres à « faux ».",
      en: "Among the contacts arriving together that share an address, the kept one goes “true”, the others “false”.",
    },
    params: z.object({ by: z.enum(["email", "phone"]), keep: z.enum(["newest", "oldest"]) }),
  }),
];
