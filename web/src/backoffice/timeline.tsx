import { useCallback, useEffect, useState } from "react";
import { elementDef } from "../../../src/model/index.js";
import { api } from "../api.js";
import { useT, type StringKey } from "../i18n.js";
import { ErrorLine, fmtTime, projectPath, tOr } from "./shared.js";

interface Message {
  id: number; element: string; channel: string; communicationType: string | null; status: string; reason: string | null;
  createdAt: number; sentAt: number | null; deliveredAt: number | null; openedAt: number | null; clickedAt: number | null;
  bouncedAt: number | null; bounceHard: boolean; complainedAt: number | null; unsubscribedAt: number | null; subject?: string; title?: string; text?: string;
}
export interface Journey {
  id: number; campaign: { id: string; name: string }; enteredAt: number; endedAt: number | null; outcome: string;
  element: string | null; state: "ready" | "waiting" | "held" | "ended"; dueAt: number | null;
  steps: { element: string; exit: string | null; at: number }[];
  messages: Message[];
}
interface Timeline { journeys: Journey[]; next: string | null }

const EVENTS = ["sentAt", "deliveredAt", "openedAt", "clickedAt", "bouncedAt", "complainedAt", "unsubscribedAt"] as const;

/**
 * A contact's journeys, newest first: the campaign, when it entered, each element passed with
 * its time and exit, where it waits now, and the messages with their events. `refresh` changes
 * make it read again (after a launch).
 */
/** Exits with words (a variant's exit is its key); `next` says nothing the step does not. */
const EXIT_WORDS: Record<string, { fr: string; en: string }> = {
  true: { fr: "vrai", en: "true" }, false: { fr: "faux", en: "false" }, rest: { fr: "reste", en: "rest" },
};

export function JourneyTimeline({ projectId, contactId, refresh }: { projectId: string; contactId: string; refresh: number }) {
  const { t, lang } = useT();
  const [journeys, setJourneys] = useState<Journey[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [labels, setLabels] = useState<Record<string, Record<string, { type: string; label?: string }>>>({});
  const [error, setError] = useState("");
  const base = `${projectPath(projectId)}/contacts/${encodeURIComponent(contactId)}/journeys`;

  const loadLabels = useCallback(async (list: Journey[]) => {
    const missing = [...new Set(list.map((j) => j.campaign.id))].filter((id) => !labels[id]);
    if (missing.length === 0) return;
    const docs = await Promise.all(missing.map((id) => api<{ document: { elements: { id: string; type: string; label?: string }[] } }>("GET", `${projectPath(projectId)}/campaigns/${encodeURIComponent(id)}`).catch(() => null)));
    setLabels((old) => {
      const out = { ...old };
      missing.forEach((id, i) => { out[id] = Object.fromEntries((docs[i]?.document.elements ?? []).map((e) => [e.id, { type: e.type, label: e.label }])); });
      return out;
    });
  }, [labels, projectId]);

  const load = useCallback(async (cursor?: string) => {
    try {
      const page = await api<Timeline>("GET", `${base}?limit=20${cursor ? `&cursor=${cursor}` : ""}`);
      setJourneys((old) => (cursor && old ? [...old, ...page.journeys] : page.journeys));
      setNext(page.next);
      await loadLabels(page.journeys);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [base, loadLabels]);
  useEffect(() => void load(), [base, refresh]);

  const elementName = (campaign: string, id: string) => {
    const el = labels[campaign]?.[id];
    const def = el ? elementDef(el.type) : undefined;
    return el?.label || def?.label[lang] || id;
  };
  return (
    <section className="bo-section" data-testid="timeline">
      <h2>{t("boJourneys")}</h2>
      <ErrorLine error={error} />
      {journeys?.length === 0 && <p className="muted">{t("boNoJourneys")}</p>}
      <ol className="bo-timeline">
        {journeys?.map((j) => (
          <li key={j.id} className="bo-journey" data-testid={`journey-${j.campaign.id}`}>
            <div className="row">
              <strong><a href={`?campaign=${encodeURIComponent(j.campaign.id)}`}>{j.campaign.name || j.campaign.id}</a></strong>
              <span className={`bo-badge bo-outcome-${j.state === "ended" ? j.outcome : j.state}`}>{j.state === "ended" ? tOr(`boOutcome_${j.outcome}`, lang, j.outcome) : tOr(`boState_${j.state}`, lang, j.state)}</span>
              <span className="grow" />
              <span className="muted">{t("boEnteredAt")} {fmtTime(j.enteredAt, lang)}{j.endedAt ? ` · ${t("boEndedAt")} ${fmtTime(j.endedAt, lang)}` : ""}</span>
            </div>
            <ul className="bo-steps">
              {j.steps.map((s, i) => (
                <li key={i} data-testid="journey-step">
                  <span className="bo-time">{fmtTime(s.at, lang)}</span> {elementName(j.campaign.id, s.element)} <code>{s.element}</code>
                  {s.exit && s.exit !== "next" && <span className="bo-exit">→ {EXIT_WORDS[s.exit]?.[lang] ?? s.exit}</span>}
                </li>
              ))}
              {j.state !== "ended" && j.element && (
                <li className="bo-now"><span className="bo-time">{j.dueAt ? fmtTime(j.dueAt, lang) : "…"}</span> {t("boWaitingAt")} {elementName(j.campaign.id, j.element)} <code>{j.element}</code></li>
              )}
            </ul>
            {j.messages.length > 0 && (
              <table className="bo-messages">
                <thead><tr><th>{t("boMessage")}</th><th>{t("status")}</th><th>{t("boEvents")}</th></tr></thead>
                <tbody>
                  {j.messages.map((m) => (
                    <tr key={m.id} data-testid="journey-message">
                      <td><span className="bo-badge">{m.channel}</span> {m.subject ?? m.title ?? m.text ?? ""} <code>{m.element}</code></td>
                      <td>{m.status}{m.reason ? ` (${m.reason})` : ""}</td>
                      <td>{EVENTS.filter((k) => m[k] !== null).map((k) => <span key={k} className="bo-event">{t(`boEvent_${k}` as StringKey)} {fmtTime(m[k], lang)}</span>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </li>
        ))}
      </ol>
      {next && <button onClick={() => void load(next)}>{t("boMore")}</button>}
    </section>
  );
}
