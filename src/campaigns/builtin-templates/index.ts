import type { CampaignDocumentInput } from "../../model/campaign.js";
import type { Text } from "../../model/i18n.js";
import type { ProjectConfig } from "../../model/project.js";

/**
 * The six campaign templates Relais ships, in French. Pure data (the editor imports it):
 * every email uses the communication type `infolettre`, which {@link instantiateBuiltin}
 * replaces with the project's first email communication type.
 */
export interface BuiltinTemplate {
  key: string;
  label: Text;
  description: Text;
  document: CampaignDocumentInput;
}

const CT = "infolettre";
const email = (subject: string, body: string, preheader?: string) => ({
  communicationType: CT,
  message: { subject, ...(preheader ? { preheader } : {}), html: `<p>Bonjour {{ contact.firstName }},</p>\n<p>${body}</p>` },
});
const at = (x: number, y: number) => ({ x, y });

export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = [
  {
    key: "bienvenue",
    label: { fr: "Bienvenue", en: "Welcome" },
    description: { fr: "Un courriel de bienvenue à l'abonnement, puis une relance deux jours plus tard à qui ne l'a pas ouvert.", en: "A welcome email on subscription, then a reminder two days later to those who did not open it." },
    document: {
      name: "Bienvenue", reentry: "never",
      elements: [
        { id: "t1", type: "trigger.contactSubscribed", params: { communicationTypes: [CT] }, position: at(0, 0) },
        { id: "a1", type: "action.sendEmail", params: email("Bienvenue {{ contact.firstName }}!", "Merci de votre inscription.", "Ravis de vous compter parmi nous"), position: at(0, 140) },
        { id: "d1", type: "delay.period", params: { amount: 2, unit: "days" }, position: at(0, 280) },
        { id: "k1", type: "condition.messageOpened", params: { message: "a1" }, position: at(0, 420) },
        { id: "a2", type: "action.sendEmail", params: email("Avez-vous vu notre message?", "Voici un rappel de notre message de bienvenue."), position: at(220, 560) },
        { id: "e1", type: "end.success", params: {}, position: at(-220, 560) },
        { id: "e2", type: "end.neutral", params: {}, position: at(220, 700) },
      ],
      connections: [
        { from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" },
        { from: "k1", exit: "true", to: "e1" }, { from: "k1", exit: "false", to: "a2" }, { from: "a2", exit: "next", to: "e2" },
      ],
    },
  },
  {
    key: "relance-non-ouvreurs",
    label: { fr: "Relance des non-ouvreurs", en: "Non-openers reminder" },
    description: { fr: "Un envoi manuel, puis le même message avec un autre objet, trois jours plus tard, à qui ne l'a pas ouvert.", en: "A manual send, then the same message with another subject three days later to non-openers." },
    document: {
      name: "Relance des non-ouvreurs", reentry: "always",
      elements: [
        { id: "t1", type: "trigger.manual", params: {}, position: at(0, 0) },
        { id: "a1", type: "action.sendEmail", params: email("Nos nouveautés du mois", "Découvrez nos nouveautés."), position: at(0, 140) },
        { id: "d1", type: "delay.period", params: { amount: 3, unit: "days" }, position: at(0, 280) },
        { id: "k1", type: "condition.messageOpened", params: { message: "a1" }, position: at(0, 420) },
        { id: "a2", type: "action.sendEmail", params: email("Dernière chance : nos nouveautés", "Vous avez peut-être manqué nos nouveautés."), position: at(220, 560) },
        { id: "e1", type: "end.success", params: {}, position: at(-220, 560) },
        { id: "e2", type: "end.neutral", params: {}, position: at(220, 700) },
      ],
      connections: [
        { from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" },
        { from: "k1", exit: "true", to: "e1" }, { from: "k1", exit: "false", to: "a2" }, { from: "a2", exit: "next", to: "e2" },
      ],
    },
  },
  {
    key: "panier-abandonne",
    label: { fr: "Panier abandonné", en: "Abandoned cart" },
    description: { fr: "Un rappel une heure après l'abandon d'un panier, puis un second le lendemain s'il n'a pas été cliqué (module commerce).", en: "A reminder one hour after a cart is abandoned, a second one the next day if not clicked (e-commerce module)." },
    document: {
      name: "Panier abandonné", reentry: "afterExit",
      elements: [
        { id: "t1", type: "trigger.cartAbandoned", params: { after: { amount: 1, unit: "hours" } }, position: at(0, 0) },
        { id: "a1", type: "action.sendEmail", params: email("Vous avez oublié quelque chose", "Votre panier vous attend."), position: at(0, 140) },
        { id: "d1", type: "delay.period", params: { amount: 1, unit: "days" }, position: at(0, 280) },
        { id: "k1", type: "condition.messageClicked", params: { message: "a1" }, position: at(0, 420) },
        { id: "a2", type: "action.sendEmail", params: email("Votre panier expire bientôt", "Il est encore temps de finaliser votre commande."), position: at(220, 560) },
        { id: "e1", type: "end.success", params: {}, position: at(-220, 560) },
        { id: "e2", type: "end.neutral", params: {}, position: at(220, 700) },
      ],
      connections: [
        { from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k1" },
        { from: "k1", exit: "true", to: "e1" }, { from: "k1", exit: "false", to: "a2" }, { from: "a2", exit: "next", to: "e2" },
      ],
    },
  },
  {
    key: "anniversaire",
    label: { fr: "Anniversaire", en: "Birthday" },
    description: { fr: "Chaque matin à 9 h, un courriel aux contacts dont c'est l'anniversaire (champ birthDate).", en: "Every morning at 9, an email to the contacts whose birthday it is (birthDate field)." },
    document: {
      name: "Anniversaire", reentry: "always",
      elements: [
        { id: "t1", type: "trigger.recurrence", params: { rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", audience: { field: "birthDate", operator: "anniversaryToday" } }, position: at(0, 0) },
        { id: "a1", type: "action.sendEmail", params: email("Bon anniversaire {{ contact.firstName }}!", "Toute l'équipe vous souhaite une excellente journée."), position: at(0, 140) },
        { id: "e1", type: "end.success", params: {}, position: at(0, 280) },
      ],
      connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
    },
  },
  {
    key: "reactivation-inactifs",
    label: { fr: "Réactivation des inactifs", en: "Win back inactive contacts" },
    description: { fr: "Chaque lundi, les contacts sans ouverture ni clic depuis 90 jours reçoivent un message; ceux qui l'ouvrent sont réactivés.", en: "Every Monday, contacts with no open or click in 90 days get a message; those who open it are won back." },
    document: {
      name: "Réactivation des inactifs", reentry: "afterExit",
      elements: [
        { id: "t1", type: "trigger.recurrence", params: { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0" }, position: at(0, 0) },
        { id: "k1", type: "condition.recencyFrequency", params: { interaction: "openedOrClicked", within: { amount: 90, unit: "days" }, atLeast: 1 }, position: at(0, 140) },
        { id: "e0", type: "end.neutral", params: {}, position: at(-220, 280) },
        { id: "a1", type: "action.sendEmail", params: email("Vous nous manquez", "Revenez voir ce qui a changé."), position: at(220, 280) },
        { id: "d1", type: "delay.period", params: { amount: 7, unit: "days" }, position: at(220, 420) },
        { id: "k2", type: "condition.messageOpened", params: { message: "a1" }, position: at(220, 560) },
        { id: "e1", type: "end.success", params: {}, position: at(0, 700) },
        { id: "e2", type: "end.failure", params: {}, position: at(440, 700) },
      ],
      connections: [
        { from: "t1", exit: "next", to: "k1" }, { from: "k1", exit: "true", to: "e0" }, { from: "k1", exit: "false", to: "a1" },
        { from: "a1", exit: "next", to: "d1" }, { from: "d1", exit: "next", to: "k2" },
        { from: "k2", exit: "true", to: "e1" }, { from: "k2", exit: "false", to: "e2" },
      ],
    },
  },
  {
    key: "test-ab-objet",
    label: { fr: "Test A/B d'objet", en: "A/B subject test" },
    description: { fr: "10 % des contacts reçoivent l'objet A, 10 % l'objet B; après 4 heures, le reste reçoit celui qui a été le plus ouvert.", en: "10% of contacts get subject A, 10% subject B; after 4 hours the rest get the most opened one." },
    document: {
      name: "Test A/B d'objet", reentry: "always",
      elements: [
        { id: "t1", type: "trigger.manual", params: {}, position: at(0, 0) },
        { id: "s1", type: "split.axTest", params: { variants: [{ key: "A", percent: 10 }, { key: "B", percent: 10 }], winner: { mode: "auto", metric: "opens", after: { amount: 4, unit: "hours" } } }, position: at(0, 140) },
        { id: "a1", type: "action.sendEmail", params: email("Objet A : nos offres de la semaine", "Voici nos offres de la semaine."), position: at(-220, 280) },
        { id: "a2", type: "action.sendEmail", params: email("Objet B : à ne pas manquer cette semaine", "Voici nos offres de la semaine."), position: at(220, 280) },
        { id: "e1", type: "end.success", params: {}, position: at(-220, 420) },
        { id: "e2", type: "end.success", params: {}, position: at(220, 420) },
      ],
      connections: [
        { from: "t1", exit: "next", to: "s1" }, { from: "s1", exit: "A", to: "a1" }, { from: "s1", exit: "B", to: "a2" },
        { from: "a1", exit: "next", to: "e1" }, { from: "a2", exit: "next", to: "e2" },
      ],
    },
  },
];

/**
 * A template's document for a project: a deep copy whose email communication types are the
 * project's first email type (unchanged when the project has none: the validator says so).
 */
export function instantiateBuiltin(t: BuiltinTemplate, project: Pick<ProjectConfig, "communicationTypes">): CampaignDocumentInput {
  const doc = JSON.parse(JSON.stringify(t.document)) as CampaignDocumentInput;
  const ct = project.communicationTypes.find((c) => c.channel === "email" && !c.administrative)?.key
    ?? project.communicationTypes.find((c) => c.channel === "email")?.key;
  if (ct) {
    for (const el of doc.elements) {
      const p = el.params as Record<string, unknown> | undefined;
      if (!p) continue;
      if (p.communicationType === CT) p.communicationType = ct;
      if (Array.isArray(p.communicationTypes)) p.communicationTypes = p.communicationTypes.map((k) => (k === CT ? ct : k));
    }
  }
  return doc;
}
