import { z } from "zod";
import { RRule } from "../rrule.js";
import { Duration } from "../duration.js";
import { Rule } from "../rule.js";
import { defineElement, NEXT, type Reference } from "./element-def.js";

/** A local date-time, `YYYY-MM-DDTHH:mm[:ss]`, optionally with an offset. */
export const LocalDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, "expected a date-time YYYY-MM-DDTHH:mm");

const RRuleText = z.string().min(1).superRefine((s, ctx) => {
  try {
    const opts = RRule.parseString(s.replace(/^RRULE:/i, ""));
    if (opts.freq === undefined) ctx.addIssue({ code: "custom", message: "FREQ is required" });
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `not an RFC 5545 rule: ${(e as Error).message}` });
  }
});

const audience = (p: { audience?: Rule }) => (p.audience ? [{ rule: p.audience, path: ["params", "audience"] }] : []);
const types = (p: { communicationTypes?: string[] }): Reference[] =>
  (p.communicationTypes ?? []).map((key, i) => ({ kind: "communicationType", key, path: ["params", "communicationTypes", i] }));

export const triggers = [
  defineElement({
    type: "trigger.recurrence", family: "trigger", batch: true, exits: NEXT,
    label: { fr: "Récurrence", en: "Recurrence" },
    description: {
      fr: "Lance une exécution à chaque occurrence d'une règle de récurrence (heure locale) : tous les contacts actifs de l'audience entrent.",
      en: "Fires a run at each occurrence of a recurrence rule (local time): every active contact of the audience enters.",
    },
    params: z.object({ rrule: RRuleText, start: LocalDateTime.optional(), end: LocalDateTime.optional(), audience: Rule.optional() }),
    rules: audience,
  }),
  defineElement({
    type: "trigger.dates", family: "trigger", batch: true, exits: NEXT,
    label: { fr: "Dates", en: "Dates" },
    description: { fr: "Lance une exécution à chacune des dates choisies.", en: "Fires a run at each chosen date." },
    params: z.object({ dates: z.array(LocalDateTime).min(1), audience: Rule.optional() }),
    rules: audience,
  }),
  defineElement({
    type: "trigger.import", family: "trigger", exits: NEXT,
    label: { fr: "Import", en: "Import" },
    description: {
      fr: "Les contacts importés entrent après chaque import (auto) ou seulement après les imports marqués « lancer les campagnes » (sur demande).",
      en: "Imported contacts enter after each import (auto) or only after imports flagged “launch campaigns” (on demand).",
    },
    params: z.object({ mode: z.enum(["auto", "onDemand"]), contacts: z.enum(["all", "created", "updated"]).optional() }),
  }),
  defineElement({
    type: "trigger.manual", family: "trigger", batch: true, exits: NEXT,
    label: { fr: "Lancement manuel", en: "Manual launch" },
    description: { fr: "Lance une exécution quand un utilisateur la déclenche.", en: "Fires a run when a user launches it." },
    params: z.object({ audience: Rule.optional() }),
    rules: audience,
  }),
  defineElement({
    type: "trigger.api", family: "trigger", exits: NEXT,
    label: { fr: "Processus et API", en: "Process and API" },
    description: {
      fr: "Un contact entre depuis son profil, l'API web ou un processus; les données de l'appel sont lisibles comme trigger.data.",
      en: "One contact enters from its profile, the web API or a process; the call's data is readable as trigger.data.",
    },
    params: z.object({}),
  }),
  defineElement({
    type: "trigger.contactCreated", family: "trigger", exits: NEXT,
    label: { fr: "Contact créé", en: "Contact created" },
    description: { fr: "Un contact est créé.", en: "A contact is created." },
    params: z.object({}),
  }),
  defineElement({
    type: "trigger.contactUpdated", family: "trigger", exits: NEXT,
    label: { fr: "Contact mis à jour", en: "Contact updated" },
    description: {
      fr: "Un contact est mis à jour (seulement si l'un des champs choisis a changé, s'il y en a).",
      en: "A contact is updated (only when one of the chosen fields changed, if any).",
    },
    params: z.object({ fields: z.array(z.string().min(1)).optional() }),
    references: (p) => (p.fields ?? []).map((key, i) => ({ kind: "field", key, path: ["params", "fields", i] })),
  }),
  defineElement({
    type: "trigger.contactSubscribed", family: "trigger", exits: NEXT,
    label: { fr: "Contact abonné", en: "Contact subscribed" },
    description: { fr: "Un contact s'abonne (à l'un des types choisis, s'il y en a).", en: "A contact subscribes (to one of the chosen types, if any)." },
    params: z.object({ communicationTypes: z.array(z.string().min(1)).optional() }),
    references: types,
  }),
  defineElement({
    type: "trigger.contactUnsubscribed", family: "trigger", exits: NEXT,
    label: { fr: "Contact désabonné", en: "Contact unsubscribed" },
    description: { fr: "Un contact se désabonne (de l'un des types choisis, s'il y en a).", en: "A contact unsubscribes (from one of the chosen types, if any)." },
    params: z.object({ communicationTypes: z.array(z.string().min(1)).optional() }),
    references: types,
  }),
  defineElement({
    type: "trigger.profilingTable", family: "trigger", exits: NEXT,
    label: { fr: "Tables de profilage", en: "Profiling tables" },
    description: { fr: "Une ligne de la table est ajoutée ou modifiée pour un contact.", en: "A row of the table is added or changed for a contact." },
    params: z.object({ table: z.string().min(1), on: z.array(z.enum(["insert", "update"])).min(1) }),
    references: (p) => [{ kind: "table", key: p.table, path: ["params", "table"] }],
  }),
  defineElement({
    type: "trigger.pageVisited", family: "trigger", exits: NEXT, module: "siteTracking",
    label: { fr: "Pages visitées", en: "Pages visited" },
    description: { fr: "Le contact visite une page correspondante d'un site suivi (joker *).", en: "The contact visits a matching page of a tracked site (* wildcard)." },
    params: z.object({ urls: z.array(z.string().min(1)).min(1) }),
  }),
  defineElement({
    type: "trigger.productViewed", family: "trigger", exits: NEXT, module: "ecommerce",
    label: { fr: "Produits consultés", en: "Products viewed" },
    description: { fr: "Le contact consulte un produit correspondant.", en: "The contact views a matching product." },
    params: z.object({ skus: z.array(z.string().min(1)).optional(), categories: z.array(z.string().min(1)).optional() }),
  }),
  defineElement({
    type: "trigger.cartAbandoned", family: "trigger", exits: NEXT, module: "ecommerce",
    label: { fr: "Paniers abandonnés", en: "Abandoned carts" },
    description: {
      fr: "Un panier non vide n'a vu ni achat ni changement pendant le délai choisi (1 heure par défaut).",
      en: "A cart with items saw no purchase and no change for the chosen time (1 hour by default).",
    },
    params: z.object({ after: Duration.optional() }),
  }),
];
