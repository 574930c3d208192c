import { useState } from "react";
import type { CampaignDocument, Finding, ProjectConfig } from "../../../src/model/index.js";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import {
  buildScenario, EVENT_TYPES, eventElements, formFromScenario, formProblems, fromApiContact, isoToLocal, sampleContact,
  type SimContact, type SimEvent, type SimEventType,
} from "./scenario.js";

const OUTCOME_LABELS: Record<string, { fr: string; en: string }> = {
  success: { fr: "succès", en: "success" }, failure: { fr: "échec", en: "failure" }, abandon: { fr: "abandon", en: "abandon" },
  neutral: { fr: "neutre", en: "neutral" }, none: { fr: "sans fin", en: "none" }, inProgress: { fr: "en cours", en: "in progress" },
};

const EVENT_LABELS: Record<SimEventType, { fr: string; en: string }> = {
  "campaign.launch": { fr: "Lancement manuel", en: "Manual launch" },
  "campaign.api": { fr: "Entrée par l'API", en: "API entry" },
  "message.delivered": { fr: "Message livré", en: "Message delivered" },
  "message.opened": { fr: "Message ouvert", en: "Message opened" },
  "message.clicked": { fr: "Lien cliqué", en: "Link clicked" },
  "message.bounced": { fr: "Message rejeté (rebond)", en: "Message bounced" },
  "message.unsubscribed": { fr: "Désabonnement par le message", en: "Unsubscribed from the message" },
  "message.complained": { fr: "Plainte", en: "Complaint" },
  "contact.subscribed": { fr: "Contact abonné", en: "Contact subscribed" },
  "contact.unsubscribed": { fr: "Contact désabonné", en: "Contact unsubscribed" },
  "page.visited": { fr: "Page visitée", en: "Page visited" },
  "product.viewed": { fr: "Produit consulté", en: "Product viewed" },
  "cart.updated": { fr: "Panier modifié", en: "Cart updated" },
  "cart.purchased": { fr: "Achat", en: "Purchase" },
  "approval.approved": { fr: "Approbation accordée", en: "Approval granted" },
  "approval.rejected": { fr: "Approbation refusée", en: "Approval rejected" },
  "test.winner": { fr: "Gagnant du test A/X", en: "A/X test winner" },
};

const VALUE_LABELS: Record<string, { fr: string; en: string }> = {
  url: { fr: "Adresse (URL)", en: "Address (URL)" }, sku: { fr: "SKU", en: "SKU" },
  communicationType: { fr: "Type de communication", en: "Communication type" }, variant: { fr: "Variante", en: "Variant" },
};

const HOUR = 3_600_000;

/**
 * The editor's simulation panel: sample contacts (picked from the project or typed), scripted
 * events (chosen in lists), the period — or a scenario file — run on the server's simulator;
 * counts go on the canvas and one contact's path is highlighted (`onPath`).
 */
export function SimulationPanel({ projectId, doc, config, result, onResult, onPath }: {
  projectId: string; doc: CampaignDocument; config: ProjectConfig; result: any; onResult: (r: any) => void; onPath: (contact: string | null) => void;
}) {
  const { lang } = useT();
  const L = (fr: string, en: string) => (lang === "fr" ? fr : en);
  const now = Date.now();
  const [start, setStart] = useState(() => isoToLocal(Math.ceil(now / HOUR) * HOUR));
  const [until, setUntil] = useState(() => isoToLocal(Math.ceil(now / HOUR) * HOUR + 14 * 24 * HOUR));
  const [contacts, setContacts] = useState<SimContact[]>([]);
  const [events, setEvents] = useState<SimEvent[]>([]);
  const [newId, setNewId] = useState("");
  const [json, setJson] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [pathContact, setPathContact] = useState("");
  const hasTrigger = (t: string) => doc.elements.some((e) => e.type === t);

  const addContact = (c: SimContact) => setContacts((cs) => (cs.some((x) => x.id === c.id) ? cs : [...cs, c]));
  const fromProject = async () => {
    setError("");
    try {
      const page = await api<{ contacts: any[] }>("GET", `/projects/${encodeURIComponent(projectId)}/contacts?limit=10&status=active`);
      if (!page.contacts.length) setError(L("Le projet n'a pas encore de contacts : ajoutez-en un de test.", "The project has no contacts yet: add a test one."));
      for (const c of page.contacts) addContact(fromApiContact(c));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const addEvent = () => {
    const type: SimEventType = hasTrigger("trigger.manual") && !events.length ? "campaign.launch" : hasTrigger("trigger.api") ? "campaign.api" : "message.opened";
    const element = eventElements(doc, type)[0]?.id;
    setEvents((es) => [...es, { at: es.length ? es[es.length - 1].at : start, type, contact: contacts[0]?.id, ...(element ? { element } : {}) }]);
  };
  const setEvent = (i: number, patch: Partial<SimEvent>) => setEvents((es) => es.map((e, j) => {
    if (j !== i) return e;
    const next = { ...e, ...patch };
    if (patch.type) {
      const els = eventElements(doc, patch.type);
      next.element = els.some((x) => x.id === next.element) ? next.element : els[0]?.id;
      next.value = undefined;
    }
    return next;
  }));

  const loadFile = async (file: File) => {
    setError("");
    try {
      const scenario = JSON.parse(await file.text()) as Record<string, unknown>;
      const form = formFromScenario(scenario);
      if (form.start) setStart(form.start);
      if (form.until) setUntil(form.until);
      setContacts(form.contacts);
      setEvents([]);
      // A file may hold what the form cannot show (history, imports…): it runs as written.
      const { campaign: _c, project: _p, ...rest } = scenario;
      setJson(JSON.stringify(rest, null, 2));
    } catch (e) {
      setError(L(`Fichier illisible : ${(e as Error).message}`, `Unreadable file: ${(e as Error).message}`));
    }
  };

  const problems = json === null ? formProblems(events, contacts, lang) : [];
  const run = async () => {
    setError("");
    onPath(null);
    setPathContact("");
    let scenario: Record<string, unknown>;
    try {
      scenario = json !== null ? JSON.parse(json) : buildScenario({ start, until, contacts, events });
    } catch (e) {
      return setError((e as Error).message);
    }
    setBusy(true);
    try {
      const r = await api("POST", `/projects/${encodeURIComponent(projectId)}/simulate?lang=${lang}`, { seed: 0, ...scenario, campaign: doc });
      onResult(r);
      const first = r?.journeys?.[0]?.contact;
      if (first) {
        setPathContact(first);
        onPath(first);
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const journey = result?.journeys?.find((j: any) => j.contact === pathContact);
  const name = (id: string) => doc.elements.find((e) => e.id === id)?.label || id;
  return (
    <div className="sim card" data-testid="simulation" role="region" aria-label={L("Simulation", "Simulation")}>
      <div className="row"><strong>{L("Simulation", "Simulation")}</strong><span className="grow" />
        <label className="button small">{L("Fichier de scénario…", "Scenario file…")}
          <input type="file" accept=".json,application/json" hidden data-testid="sim-file" onChange={(e) => e.target.files?.[0] && void loadFile(e.target.files[0])} />
        </label>
      </div>
      <div className="sim-period">
        <label>{L("Début", "Start")}<input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} data-testid="sim-start" /></label>
        <label>{L("Fin", "End")}<input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="sim-until" /></label>
      </div>

      <fieldset>
        <legend>{L("Contacts de l'échantillon", "Sample contacts")} ({contacts.length})</legend>
        <ul className="sim-list">
          {contacts.map((c) => (
            <li key={c.id}><span className="grow">{c.id}</span>
              {config.communicationTypes.map((ct) => (
                <label key={ct.key} className="sim-sub" title={L("Abonné", "Subscribed")}>
                  <input type="checkbox" checked={c.subscriptions[ct.key] === true} aria-label={L(`${c.id} abonné à ${ct.key}`, `${c.id} subscribed to ${ct.key}`)}
                    onChange={(e) => setContacts((cs) => cs.map((x) => (x.id === c.id ? { ...x, subscriptions: { ...x.subscriptions, [ct.key]: e.target.checked } } : x)))} />
                  {ct.key}
                </label>
              ))}
              <button className="small" aria-label={L(`Retirer ${c.id}`, `Remove ${c.id}`)} onClick={() => setContacts((cs) => cs.filter((x) => x.id !== c.id))}>×</button>
            </li>
          ))}
        </ul>
        <div className="row">
          <input aria-label={L("Nouveau contact de test (clé unique)", "New test contact (unique key)")} placeholder={L("ex. ann@example.com", "e.g. ann@example.com")}
            value={newId} onChange={(e) => setNewId(e.target.value)} data-testid="sim-new-contact"
            onKeyDown={(e) => { if (e.key === "Enter" && newId.trim()) { addContact(sampleContact(newId.trim(), config)); setNewId(""); } }} />
          <button data-testid="sim-add-contact" disabled={!newId.trim()} onClick={() => { addContact(sampleContact(newId.trim(), config)); setNewId(""); }}>{L("Ajouter", "Add")}</button>
        </div>
        <button className="small" data-testid="sim-from-project" onClick={() => void fromProject()}>{L("Prendre 10 contacts du projet", "Take 10 contacts of the project")}</button>
        <p className="small muted">{L("Un contact de test est abonné à tous les types de communication; décochez pour changer.", "A test contact is subscribed to every communication type; untick to change.")}</p>
      </fieldset>

      <fieldset>
        <legend>{L("Événements", "Events")} ({events.length})</legend>
        {events.map((e, i) => {
          const need = EVENT_TYPES[e.type];
          const els = eventElements(doc, e.type);
          return (
            <div className="sim-event" key={i} data-testid={`sim-event-${i}`}>
              <input type="datetime-local" aria-label={L(`Quand (événement ${i + 1})`, `When (event ${i + 1})`)} value={e.at} onChange={(x) => setEvent(i, { at: x.target.value })} />
              <select aria-label={L(`Type (événement ${i + 1})`, `Type (event ${i + 1})`)} value={e.type} onChange={(x) => setEvent(i, { type: x.target.value as SimEventType })}>
                {(Object.keys(EVENT_TYPES) as SimEventType[]).map((k) => <option key={k} value={k}>{EVENT_LABELS[k][lang]}</option>)}
              </select>
              {need.contact && (
                <select aria-label={L(`Contact (événement ${i + 1})`, `Contact (event ${i + 1})`)} value={e.contact ?? ""} onChange={(x) => setEvent(i, { contact: x.target.value })}>
                  <option value="">—</option>
                  {contacts.map((c) => <option key={c.id} value={c.id}>{c.id}</option>)}
                </select>
              )}
              {need.element && (
                <select aria-label={L(`Élément (événement ${i + 1})`, `Element (event ${i + 1})`)} value={e.element ?? ""} onChange={(x) => setEvent(i, { element: x.target.value })}>
                  {els.length === 0 && <option value="">{L("aucun élément de ce genre", "no such element")}</option>}
                  {els.map((x) => <option key={x.id} value={x.id}>{x.label}</option>)}
                </select>
              )}
              {need.value && (need.value === "communicationType"
                ? (
                  <select aria-label={VALUE_LABELS.communicationType[lang]} value={e.value ?? ""} onChange={(x) => setEvent(i, { value: x.target.value })}>
                    <option value="">—</option>
                    {config.communicationTypes.map((c) => <option key={c.key} value={c.key}>{c.key}</option>)}
                  </select>
                )
                : <input aria-label={VALUE_LABELS[need.value][lang]} placeholder={VALUE_LABELS[need.value][lang]} value={e.value ?? ""} onChange={(x) => setEvent(i, { value: x.target.value })} />)}
              <button className="small" aria-label={L(`Retirer l'événement ${i + 1}`, `Remove event ${i + 1}`)} onClick={() => setEvents((es) => es.filter((_, j) => j !== i))}>×</button>
            </div>
          );
        })}
        <button className="small" data-testid="sim-add-event" onClick={addEvent}>{L("Ajouter un événement", "Add an event")}</button>
      </fieldset>

      <details onToggle={(e) => { if ((e.target as HTMLDetailsElement).open && json === null) { try { setJson(JSON.stringify(buildScenario({ start, until, contacts, events }), null, 2)); } catch { setJson("{}"); } } }}>
        <summary>{L("Scénario JSON (avancé)", "Scenario JSON (advanced)")}</summary>
        {json !== null && (
          <>
            <textarea rows={8} value={json} onChange={(e) => setJson(e.target.value)} aria-label={L("Scénario JSON", "Scenario JSON")} data-testid="sim-json" />
            <button className="small" onClick={() => setJson(null)}>{L("Revenir au formulaire", "Back to the form")}</button>
          </>
        )}
      </details>
      {json !== null && <p className="small muted">{L("Le scénario JSON sera utilisé tel quel.", "The scenario JSON will be used as written.")}</p>}

      {problems.map((p) => <p className="error small" key={p}>{p}</p>)}
      <button className="primary" data-testid="sim-run" disabled={busy || problems.length > 0} onClick={() => void run()}>{busy ? "…" : L("Lancer la simulation", "Run the simulation")}</button>
      {error && <p className="error" role="alert">{error}</p>}
      {result && !result.valid && <p className="error" role="alert">{result.errors.map((f: Finding) => f.message).join(" · ")}</p>}
      {result?.valid && (
        <div data-testid="sim-result" className="sim-result">
          <div>{L("Issues", "Outcomes")} : {Object.entries<number>(result.outcomes).map(([k, v]) => `${OUTCOME_LABELS[k]?.[lang] ?? k} ${v}`).join(" · ")} · {L("Messages", "Messages")} : {result.messages.length}</div>
          {result.journeys.length > 0 && (
            <label>{L("Parcours surligné", "Highlighted path")}
              <select data-testid="sim-path" value={pathContact} onChange={(e) => { setPathContact(e.target.value); onPath(e.target.value || null); }}>
                <option value="">—</option>
                {result.journeys.map((j: any, i: number) => <option key={`${j.contact}-${i}`} value={j.contact}>{j.contact} ({OUTCOME_LABELS[j.outcome]?.[lang] ?? j.outcome})</option>)}
              </select>
            </label>
          )}
          {journey && (
            <ol className="sim-steps" data-testid="sim-steps">
              {journey.path.map((s: any, i: number) => (
                <li key={i}>{new Date(s.at).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA")} — {name(s.element)}{s.exit && s.exit !== "next" ? ` → ${s.exit}` : ""}</li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
