import type { ReferenceKind } from "../catalog/element-def.js";
import type { FindingCode } from "../finding.js";
import type { Text } from "../i18n.js";
import type { Channel } from "../project.js";

/** Why a connection is refused (`E_BAD_CONNECTION`). */
export type BadConnectionReason =
  | { reason: "unknownElement"; side: "from" | "to"; id: string }
  | { reason: "unknownExit"; from: string; exit: string; exits: string[] }
  | { reason: "fromEnd"; from: string }
  | { reason: "fromNote"; from: string }
  | { reason: "intoTrigger"; to: string }
  | { reason: "intoNote"; to: string };

/** What an `E_UNKNOWN_REFERENCE` names. */
export type UnknownReference =
  | { kind: Exclude<ReferenceKind, "message">; key: string }
  | { kind: "column"; key: string; table: string }
  | { kind: "wrongChannel"; key: string; expected: Channel; actual: Channel };

/** The facts each code's message is built from. */
export interface MessageArgs {
  E_NO_TRIGGER: Record<string, never>;
  E_NO_ACTION: Record<string, never>;
  E_UNKNOWN_TYPE: { type: string };
  E_DUPLICATE_ID: { id: string };
  /** `param` is the path inside `params` (empty for `params` itself); `detail` says what was expected. */
  E_PARAMS: { param: string; detail: Text };
  E_BAD_CONNECTION: BadConnectionReason;
  E_EXIT_TAKEN: { exit: string };
  E_CYCLE_WITHOUT_DELAY: { elements: string[] };
  E_SEND_CONDITION_PLACEMENT: Record<string, never>;
  E_MESSAGE_REF: { message: string; reason: "notASend" | "notUpstream" };
  E_APPROVAL_WITHOUT_REQUEST: Record<string, never>;
  E_APPROVAL_MISSING: Record<string, never>;
  E_APPROVAL_OPTIMIZED_TIME: Record<string, never>;
  E_FIELD_NOT_EDITABLE: { field: string; category: "administrative" | "subscription" | "uniqueKey" };
  E_PROMO_WITHOUT_EMAIL: Record<string, never>;
  E_UNKNOWN_REFERENCE: UnknownReference;
  E_MODULE_REQUIRED: { module: "ecommerce" | "siteTracking" };
  W_UNREACHABLE: Record<string, never>;
  W_OPEN_EXIT: { exit: string };
  W_NO_END: Record<string, never>;
  W_NO_DELAY_BEFORE_MESSAGE_CONDITION: Record<string, never>;
}

const fr = (s: string) => `« ${s} »`;
const en = (s: string) => `“${s}”`;

const MODULES: Record<MessageArgs["E_MODULE_REQUIRED"]["module"], Text> = {
  ecommerce: { fr: "commerce électronique", en: "e-commerce" },
  siteTracking: { fr: "suivi de site", en: "site tracking" },
};

const CATEGORIES: Record<MessageArgs["E_FIELD_NOT_EDITABLE"]["category"], Text> = {
  administrative: { fr: "administratif", en: "an administrative field" },
  subscription: { fr: "d'abonnement", en: "a subscription field" },
  uniqueKey: { fr: "de clé unique", en: "a unique-key field" },
};

function unknownReference(a: UnknownReference): Text {
  switch (a.kind) {
    case "field": return { fr: `Champ inconnu : ${fr(a.key)}.`, en: `Unknown field: ${en(a.key)}.` };
    case "table": return { fr: `Table de profilage inconnue : ${fr(a.key)}.`, en: `Unknown profiling table: ${en(a.key)}.` };
    case "column":
      return {
        fr: `La table ${fr(a.table)} n'a pas de colonne ${fr(a.key)}.`,
        en: `Table ${en(a.table)} has no column ${en(a.key)}.`,
      };
    case "group": return { fr: `Groupe inconnu : ${fr(a.key)}.`, en: `Unknown group: ${en(a.key)}.` };
    case "persona": return { fr: `Persona inconnue : ${fr(a.key)}.`, en: `Unknown persona: ${en(a.key)}.` };
    case "communicationType":
      return { fr: `Type de communication inconnu : ${fr(a.key)}.`, en: `Unknown communication type: ${en(a.key)}.` };
    case "wrongChannel":
      return {
        fr: `Le type de communication ${fr(a.key)} est du canal ${a.actual}; un type du canal ${a.expected} est attendu.`,
        en: `Communication type ${en(a.key)} is of channel ${a.actual}; a type of channel ${a.expected} is expected.`,
      };
    case "promoBank": return { fr: `Banque de codes promo inconnue : ${fr(a.key)}.`, en: `Unknown promo code bank: ${en(a.key)}.` };
    case "destination": return { fr: `Destination SFTP inconnue : ${fr(a.key)}.`, en: `Unknown SFTP destination: ${en(a.key)}.` };
  }
}

function badConnection(a: BadConnectionReason): Text {
  switch (a.reason) {
    case "unknownElement":
      return a.side === "from"
        ? { fr: `Connexion depuis un élément inexistant : ${fr(a.id)}.`, en: `Connection from an element that does not exist: ${en(a.id)}.` }
        : { fr: `Connexion vers un élément inexistant : ${fr(a.id)}.`, en: `Connection to an element that does not exist: ${en(a.id)}.` };
    case "unknownExit":
      return {
        fr: `L'élément ${fr(a.from)} n'a pas de sortie ${fr(a.exit)} (sorties : ${a.exits.join(", ")}).`,
        en: `Element ${en(a.from)} has no exit ${en(a.exit)} (exits: ${a.exits.join(", ")}).`,
      };
    case "fromEnd":
      return { fr: `Une fin n'a pas de sortie : ${fr(a.from)} ne peut pas être relié plus loin.`, en: `An end has no exit: ${en(a.from)} cannot lead anywhere.` };
    case "fromNote":
      return { fr: `Une note n'est jamais reliée : ${fr(a.from)}.`, en: `A note is never connected: ${en(a.from)}.` };
    case "intoTrigger":
      return { fr: `Un déclencheur n'a pas d'entrée : ${fr(a.to)}.`, en: `A trigger has no entry: ${en(a.to)}.` };
    case "intoNote":
      return { fr: `Une note n'est jamais reliée : ${fr(a.to)}.`, en: `A note is never connected: ${en(a.to)}.` };
  }
}

/**
 * The text of every finding code, in French and English. Typed so that a new code cannot be
 * added to `finding.ts` without its messages.
 */
export const MESSAGES: { [C in FindingCode]: (args: MessageArgs[C]) => Text } = {
  E_NO_TRIGGER: () => ({
    fr: "La campagne n'a aucun déclencheur : personne ne peut y entrer.",
    en: "The campaign has no trigger: no one can enter it.",
  }),
  E_NO_ACTION: () => ({
    fr: "La campagne n'a aucune action.",
    en: "The campaign has no action.",
  }),
  E_UNKNOWN_TYPE: (a) => ({
    fr: `Type d'élément inconnu : ${fr(a.type)}.`,
    en: `Unknown element type: ${en(a.type)}.`,
  }),
  E_DUPLICATE_ID: (a) => ({
    fr: `Un autre élément porte déjà l'identifiant ${fr(a.id)}.`,
    en: `Another element already has the id ${en(a.id)}.`,
  }),
  E_PARAMS: (a) =>
    a.param === ""
      ? { fr: `Paramètres invalides : ${a.detail.fr}.`, en: `Invalid parameters: ${a.detail.en}.` }
      : { fr: `Paramètre ${fr(a.param)} : ${a.detail.fr}.`, en: `Parameter ${en(a.param)}: ${a.detail.en}.` },
  E_BAD_CONNECTION: badConnection,
  E_EXIT_TAKEN: (a) => ({
    fr: `La sortie ${fr(a.exit)} est déjà reliée : une sortie mène à un seul élément.`,
    en: `Exit ${en(a.exit)} is already connected: an exit leads to one element only.`,
  }),
  E_CYCLE_WITHOUT_DELAY: (a) => ({
    fr: `Boucle sans délai entre ${a.elements.join(", ")} : ajoutez un délai dans la boucle.`,
    en: `Loop without a delay through ${a.elements.join(", ")}: add a delay inside the loop.`,
  }),
  E_SEND_CONDITION_PLACEMENT: () => ({
    fr: "Cette condition porte sur un envoi : placez-la après un envoi ou un délai sur chaque chemin depuis un déclencheur.",
    en: "This condition is about a send: place it after a send or a delay on every path from a trigger.",
  }),
  E_MESSAGE_REF: (a) =>
    a.reason === "notASend"
      ? {
        fr: `${fr(a.message)} ne désigne aucun envoi de cette campagne.`,
        en: `${en(a.message)} names no send action of this campaign.`,
      }
      : {
        fr: `Le message ${fr(a.message)} n'est pas envoyé avant cette condition sur tous les chemins.`,
        en: `Message ${en(a.message)} is not sent before this condition on every path.`,
      },
  E_APPROVAL_WITHOUT_REQUEST: () => ({
    fr: "Cette approbation n'est pas précédée, sur tous les chemins, d'un courriel avec demande d'approbation.",
    en: "This approval is not preceded, on every path, by an email that requests approval.",
  }),
  E_APPROVAL_MISSING: () => ({
    fr: "Ce courriel demande une approbation, mais un chemin qui le suit n'atteint aucune étape d'approbation.",
    en: "This email requests approval, but a path after it reaches no approval step.",
  }),
  E_APPROVAL_OPTIMIZED_TIME: () => ({
    fr: "Un courriel soumis à approbation ne peut pas utiliser l'heure d'envoi optimisée.",
    en: "An email that requests approval cannot use optimized send time.",
  }),
  E_FIELD_NOT_EDITABLE: (a) => ({
    fr: `Le champ ${fr(a.field)} est un champ ${CATEGORIES[a.category].fr} : seuls les champs généraux se mettent à jour.`,
    en: `Field ${en(a.field)} is ${CATEGORIES[a.category].en}: only general fields can be updated.`,
  }),
  E_PROMO_WITHOUT_EMAIL: () => ({
    fr: "Aucun chemin après ce code promo n'atteint un courriel qui affiche promo.code.",
    en: "No path after this promo code reaches an email that shows promo.code.",
  }),
  E_UNKNOWN_REFERENCE: unknownReference,
  E_MODULE_REQUIRED: (a) => ({
    fr: `Cet élément demande le module ${MODULES[a.module].fr}, inactif dans ce projet.`,
    en: `This element needs the ${MODULES[a.module].en} module, which is off in this project.`,
  }),
  W_UNREACHABLE: () => ({
    fr: "Aucun déclencheur ne mène à cet élément.",
    en: "No trigger leads to this element.",
  }),
  W_OPEN_EXIT: (a) => ({
    fr: `La sortie ${fr(a.exit)} n'est reliée à rien : les contacts qui la prennent terminent leur parcours sans résultat.`,
    en: `Exit ${en(a.exit)} is not connected: contacts that take it end their journey with no outcome.`,
  }),
  W_NO_END: () => ({
    fr: "La campagne n'a aucune fin : aucun parcours ne sera compté comme succès ou échec.",
    en: "The campaign has no end: no journey will count as a success or a failure.",
  }),
  W_NO_DELAY_BEFORE_MESSAGE_CONDITION: () => ({
    fr: "Aucun délai entre l'envoi et cette condition : le message n'aura probablement pas encore été livré, ouvert ou cliqué.",
    en: "No delay between the send and this condition: the message will most likely not be delivered, opened or clicked yet.",
  }),
};
