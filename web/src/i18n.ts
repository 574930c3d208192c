import { createContext, useContext } from "react";
import { BACKOFFICE_STRINGS } from "./i18n-backoffice.js";
import { EDITOR_EXTRA_STRINGS } from "./i18n-editor.js";

export type Lang = "fr" | "en";
const KEY = "relais.lang";

export function initialLang(): Lang {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "fr";
  } catch {
    return "fr";
  }
}
export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(KEY, lang);
  } catch {
    // private mode: the choice lasts for the page
  }
  document.documentElement.lang = lang;
}

const BASE_STRINGS = {
  signIn: { fr: "Connexion", en: "Sign in" },
  email: { fr: "Courriel", en: "Email" },
  password: { fr: "Mot de passe", en: "Password" },
  logIn: { fr: "Se connecter", en: "Log in" },
  logOut: { fr: "Se déconnecter", en: "Log out" },
  project: { fr: "Projet", en: "Project" },
  campaigns: { fr: "Campagnes", en: "Campaigns" },
  name: { fr: "Nom", en: "Name" },
  status: { fr: "Statut", en: "Status" },
  entered: { fr: "Entrés", en: "Entered" },
  successRate: { fr: "Taux de succès", en: "Success rate" },
  lastChange: { fr: "Dernier changement", en: "Last change" },
  newCampaign: { fr: "Nouvelle campagne", en: "New campaign" },
  fromTemplate: { fr: "À partir d'un modèle", en: "From a template" },
  importJson: { fr: "Importer (JSON)", en: "Import (JSON)" },
  untitled: { fr: "Nouvelle campagne", en: "New campaign" },
  back: { fr: "← Campagnes", en: "← Campaigns" },
  search: { fr: "Rechercher…", en: "Search…" },
  save: { fr: "Enregistrer", en: "Save" },
  saved: { fr: "Enregistré", en: "Saved" },
  saving: { fr: "Enregistrement…", en: "Saving…" },
  unsaved: { fr: "Modifications non enregistrées", en: "Unsaved changes" },
  activate: { fr: "Activer", en: "Activate" },
  pause: { fr: "Pause", en: "Pause" },
  resume: { fr: "Reprendre", en: "Resume" },
  stop: { fr: "Arrêter", en: "Stop" },
  publish: { fr: "Publier une version", en: "Publish a version" },
  resumeHow: { fr: "Les contacts dont l'attente s'est terminée pendant la pause :", en: "Contacts whose wait ended during the pause:" },
  resumeNow: { fr: "Libérer maintenant", en: "Release now" },
  resumeRetime: { fr: "Reprendre le temps restant", en: "Wait the remaining time" },
  cancel: { fr: "Annuler", en: "Cancel" },
  confirmStop: { fr: "Arrêter la campagne? C'est définitif.", en: "Stop the campaign? This is final." },
  findings: { fr: "Validation", en: "Validation" },
  noFindings: { fr: "Aucun problème", en: "No problems" },
  errors: { fr: "erreur(s)", en: "error(s)" },
  warnings: { fr: "avertissement(s)", en: "warning(s)" },
  properties: { fr: "Propriétés", en: "Properties" },
  nothingSelected: { fr: "Sélectionnez un élément pour voir ses propriétés.", en: "Select an element to see its properties." },
  label: { fr: "Libellé", en: "Label" },
  layout: { fr: "Disposition auto", en: "Auto layout" },
  fit: { fr: "Ajuster", en: "Fit" },
  undo: { fr: "Annuler", en: "Undo" },
  redo: { fr: "Rétablir", en: "Redo" },
  shortcuts: { fr: "Raccourcis", en: "Shortcuts" },
  versions: { fr: "Versions", en: "Versions" },
  report: { fr: "Rapport", en: "Report" },
  export: { fr: "Exporter", en: "Export" },
  none: { fr: "(aucun)", en: "(none)" },
  add: { fr: "Ajouter", en: "Add" },
  rule: { fr: "Règle", en: "Rule" },
  json: { fr: "JSON", en: "JSON" },
  invalidJson: { fr: "JSON invalide", en: "Invalid JSON" },
  preview: { fr: "Aperçu", en: "Preview" },
  outcomes: { fr: "Issues", en: "Outcomes" },
  journeys: { fr: "Parcours", en: "Journeys" },
  noteText: { fr: "Note…", en: "Note…" },
  simulation: { fr: "Simulation", en: "Simulation" },
  simulationHelp: { fr: "Un scénario (start, until, contacts, events…) : la campagne du canevas y est ajoutée, la configuration du projet aussi.", en: "A scenario (start, until, contacts, events…): the canvas campaign and the project configuration are added." },
  run: { fr: "Lancer", en: "Run" },
  messages: { fr: "Messages", en: "Messages" },
  loading: { fr: "Chargement…", en: "Loading…" },
  refusedSelf: { fr: "Un élément ne peut pas se connecter à lui-même.", en: "An element cannot connect to itself." },
  refusedTaken: { fr: "Cette sortie est déjà connectée : une sortie mène à un seul élément.", en: "This exit is already connected: an exit leads to one element." },
  refusedTrigger: { fr: "Un déclencheur ne reçoit pas de connexion : il démarre le parcours.", en: "A trigger receives no connection: it starts the journey." },
  refusedNote: { fr: "Une note ne se connecte pas.", en: "A note cannot be connected." },
  draft: { fr: "Brouillon", en: "Draft" },
  active: { fr: "Active", en: "Active" },
  paused: { fr: "En pause", en: "Paused" },
  stopped: { fr: "Arrêtée", en: "Stopped" },
  create: { fr: "Créer", en: "Create" },
  keys: {
    fr: "Suppr / Retour arrière : supprimer · Ctrl+Z : annuler · Ctrl+Maj+Z ou Ctrl+Y : rétablir · Ctrl+C / Ctrl+V : copier / coller · Maj+glisser : sélection multiple · Ctrl+S : enregistrer · L : disposition auto · F : ajuster · ? : cette aide",
    en: "Delete / Backspace: delete · Ctrl+Z: undo · Ctrl+Shift+Z or Ctrl+Y: redo · Ctrl+C / Ctrl+V: copy / paste · Shift+drag: multi-select · Ctrl+S: save · L: auto layout · F: fit · ?: this help",
  },
} as const;

/** Screens keep their strings in their own dictionary (i18n-backoffice.ts, i18n-editor.ts); one key space. */
const STRINGS = { ...BASE_STRINGS, ...BACKOFFICE_STRINGS, ...EDITOR_EXTRA_STRINGS };

export type StringKey = keyof typeof STRINGS;
export const LangContext = createContext<{ lang: Lang; setLang: (l: Lang) => void }>({ lang: "fr", setLang: () => {} });

export function useT(): { lang: Lang; t: (k: StringKey) => string; setLang: (l: Lang) => void } {
  const { lang, setLang } = useContext(LangContext);
  return { lang, setLang, t: (k) => STRINGS[k][lang] };
}
