import { useState } from "react";
import { elementDef, type CampaignDocument } from "../../../src/model/index.js";
import { api } from "../api.js";
import { fill } from "../i18n-editor.js";
import { useT, type StringKey } from "../i18n.js";
import { CampaignFiles } from "./Files.js";
import { axResults, funnelSteps, outcomeRows, pct, type AxResults, type SendFigures } from "./figures.js";

export interface Report {
  journeys: number;
  successRate: number | null;
  outcomes: Record<string, { count: number; rate: number | null }>;
  elements: Record<string, { type: string; label?: string; entered: number; waiting: number; exits: Record<string, number> }>;
  sends: Record<string, SendFigures>;
  generatedAt: number;
}

const FILE_ELEMENTS = new Set(["action.exportData", "action.postalMailing", "action.postalUpdate"]);

interface Props {
  report: Report;
  doc: CampaignDocument;
  status: string;
  winners: Record<string, string>;
  /** API path of the campaign (`/projects/:p/campaigns/:c`). */
  base: string;
  selected: string | null;
  onFocus: (id: string) => void;
  onWinner: (element: string, variant: string) => void;
  onRefresh: () => void;
}

/**
 * The report side panel: journeys and success rate, outcomes with their rates, a funnel per send
 * element (sent → delivered → opened → clicked, bars and rates) and each A/X test's results per
 * variant with the winner (chosen, or a button to choose it).
 */
export function ReportPanel({ report, doc, status, winners, base, selected, onFocus, onWinner, onRefresh }: Props) {
  const { t, lang } = useT();
  const labelOf = (id: string) => doc.elements.find((e) => e.id === id)?.label || id;
  const sendIds = doc.elements.filter((e) => report.sends[e.id]).map((e) => e.id);
  const tests = doc.elements.filter((e) => e.type === "split.axTest").map((e) => e.id);
  return (
    <section className="panel ed-report" data-testid="report" aria-label={t("reportTitle")}>
      <div className="row">
        <h3 className="grow">{t("reportTitle")}</h3>
        <button className="ed-small" onClick={onRefresh}>{t("edRefresh")}</button>
      </div>
      <div className="ed-kpis">
        <div><span>{t("journeys")}</span><strong data-testid="report-journeys">{report.journeys}</strong></div>
        <div><span>{t("successRate")}</span><strong data-testid="report-success">{pct(report.successRate, lang)}</strong></div>
      </div>
      <h4>{t("outcomesTitle")}</h4>
      <Outcomes report={report} />
      {tests.length > 0 && <h4>{t("axTitle")}</h4>}
      {tests.map((id) => {
        const r = axResults(doc, id, report);
        return r && <AxTest key={id} id={id} label={labelOf(id)} results={r} winner={winners[id]} live={status === "active" || status === "paused"} base={base} onWinner={onWinner} onFocus={onFocus} doc={doc} />;
      })}
      <h4>{t("sendsTitle")}</h4>
      {sendIds.length === 0 && <p className="muted">{t("noSends")}</p>}
      {sendIds.map((id) => (
        <Funnel key={id} id={id} label={labelOf(id)} type={doc.elements.find((e) => e.id === id)!.type} send={report.sends[id]} selected={selected === id} onFocus={onFocus} />
      ))}
      {doc.elements.some((e) => FILE_ELEMENTS.has(e.type)) && (
        <>
          <h4>{lang === "fr" ? "Fichiers" : "Files"}</h4>
          <CampaignFiles key={report.generatedAt} projectId={decodeURIComponent(base.split("/")[2] ?? "")} campaignId={decodeURIComponent(base.split("/")[4] ?? "")} />
        </>
      )}
      <p className="small">{t("reportGenerated")} {new Date(report.generatedAt).toLocaleTimeString(lang === "fr" ? "fr-CA" : "en-CA")}</p>
    </section>
  );
}

function Outcomes({ report }: { report: Report }) {
  const { t, lang } = useT();
  const rows = outcomeRows(report.outcomes);
  return (
    <table className="ed-outcomes" data-testid="report-outcomes">
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} className={`ed-oc-${r.key}`}>
            <th scope="row">{`oc_${r.key}` in OUTCOME_KEYS ? t(`oc_${r.key}` as StringKey) : r.key}</th>
            <td className="ed-num">{r.count}</td>
            <td className="ed-barcell"><span className="ed-bar" style={{ width: `${(r.rate ?? 0) * 100}%` }} /></td>
            <td className="ed-num">{pct(r.rate, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
const OUTCOME_KEYS = { oc_success: 1, oc_failure: 1, oc_abandon: 1, oc_neutral: 1, oc_none: 1, oc_inProgress: 1 };

/** A send element's funnel as a small SVG bar chart with counts and step rates. */
function Funnel({ id, label, type, send, selected, onFocus }: { id: string; label: string; type: string; send: SendFigures; selected: boolean; onFocus: (id: string) => void }) {
  const { t, lang } = useT();
  const steps = funnelSteps(send);
  const skipped = Object.values(send.skipped ?? {}).reduce((a, n) => a + n, 0);
  const rowH = 22;
  const chartLabel = `${t("funnelOf")} ${label}: ${steps.map((s) => `${t(`fn_${s.key}` as StringKey)} ${s.count}${s.rate === null ? "" : ` (${pct(s.rate, lang)})`}`).join(", ")}`;
  return (
    <div className={`ed-funnel${selected ? " ed-selected" : ""}`} data-testid={`funnel-${id}`}>
      <div className="row">
        <button className="ed-linkish" onClick={() => onFocus(id)}><strong>{label}</strong></button>
        <span className="small grow">{elementDef(type)?.label[lang] ?? type}</span>
        <span className="small">{send.reached} {t("edReached")}</span>
      </div>
      <svg role="img" aria-label={chartLabel} viewBox={`0 0 300 ${steps.length * rowH}`} width="100%" height={steps.length * rowH} preserveAspectRatio="none">
        <title>{chartLabel}</title>
        {steps.map((s, i) => (
          <g key={s.key} transform={`translate(0 ${i * rowH})`} className={`ed-step-${s.key}`}>
            <rect x={0} y={3} width={300} height={rowH - 6} rx={3} className="ed-track" />
            <rect x={0} y={3} width={Math.max(s.count > 0 ? 2 : 0, s.width * 300)} height={rowH - 6} rx={3} className="ed-fill" />
          </g>
        ))}
      </svg>
      <table className="ed-steps">
        <tbody>
          {steps.map((s) => (
            <tr key={s.key} data-testid={`funnel-${id}-${s.key}`}>
              <th scope="row"><span className={`ed-dot ed-step-${s.key}`} />{t(`fn_${s.key}` as StringKey)}</th>
              <td className="ed-num">{s.count}</td>
              <td className="ed-num" title={s.key === "opened" || s.key === "clicked" ? "÷ livrés / ÷ delivered" : ""}>{s.rate === null ? "" : pct(s.rate, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(skipped > 0 || (send.pendingApproval ?? 0) > 0) && (
        <p className="small">{skipped > 0 && <>{skipped} {t("skippedN")} </>}{(send.pendingApproval ?? 0) > 0 && <>· {send.pendingApproval} {t("pendingN")}</>}</p>
      )}
    </div>
  );
}

function AxTest({ id, label, results, winner, live, base, onWinner, onFocus, doc }: {
  id: string; label: string; results: AxResults; winner: string | undefined; live: boolean; base: string; doc: CampaignDocument;
  onWinner: (element: string, variant: string) => void; onFocus: (id: string) => void;
}) {
  const { t, lang } = useT();
  const [asking, setAsking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const el = doc.elements.find((e) => e.id === id)!;
  const auto = el.params.winner as { mode: string; after?: { amount: number; unit: string } } | undefined;
  const choose = async (variant: string) => {
    setBusy(true);
    setError("");
    try {
      const r = await api<{ contacts: number }>("POST", `${base}/winners/${encodeURIComponent(id)}`, { variant });
      setMessage(fill(t("winnerChosen"), { v: variant, n: r.contacts }));
      setAsking(null);
      onWinner(id, variant);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const canChoose = live && !winner;
  return (
    <div className="ed-ax" data-testid={`ax-${id}`}>
      <div className="row">
        <button className="ed-linkish" onClick={() => onFocus(id)}><strong>{label}</strong></button>
        <span className="grow" />
        {winner && <span className="ed-winner" data-testid={`ax-${id}-winner`}>★ {t("axWinner")} : {winner}</span>}
      </div>
      <p className="small">
        {results.mode === "manual" ? t("axManual") : fill(t("axAuto"), { after: auto?.after ? `${auto.after.amount} ${auto.after.unit}` : "?" })}
        {" · "}{t("axMetric")} : {t(`axm_${results.metric}` as StringKey)}
        {results.waiting > 0 && <> · {fill(t("axWaiting"), { n: results.waiting })}</>}
      </p>
      <div className="ed-axwrap">
      <table className="ed-axtable">
        <thead>
          <tr><th>{t("axVariant")}</th><th>{t("axContacts")}</th><th>{t("axSent")}</th><th>{t("axOpened")}</th><th>{t("axClicked")}</th><th>{t("axMetric")}</th>{canChoose && <th />}</tr>
        </thead>
        <tbody>
          {results.variants.map((v) => (
            <tr key={v.key} className={winner === v.key ? "ed-win" : ""} data-testid={`ax-${id}-${v.key}`}>
              <th scope="row">{v.key} <span className="small">{v.percent} %</span>{!winner && results.leader === v.key && v.contacts > 0 && <span className="ed-lead"> {t("axLeader")}</span>}</th>
              <td className="ed-num">{v.contacts}</td>
              <td className="ed-num">{v.sent}</td>
              <td className="ed-num">{v.opened}<span className="small"> {pct(v.openRate, lang)}</span></td>
              <td className="ed-num">{v.clicked}<span className="small"> {pct(v.clickRate, lang)}</span></td>
              <td className="ed-num"><strong>{pct(v.metric, lang)}</strong></td>
              {canChoose && (
                <td><button className="ed-small" disabled={busy} aria-label={fill(t("chooseWinner"), { v: v.key })} onClick={() => setAsking(v.key)}>{t("axWinner")}</button></td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {!live && !winner && <p className="small muted">{t("axNotRunning")}</p>}
      {asking && (
        <div className="ed-confirm approve" role="alertdialog" aria-label={fill(t("chooseWinner"), { v: asking })} data-testid={`ax-${id}-confirm`}>
          <span>{fill(t("confirmWinner"), { v: asking })}</span>
          <div className="row">
            <span className="grow" />
            <button onClick={() => setAsking(null)} disabled={busy}>{t("cancel")}</button>
            <button className="primary" autoFocus disabled={busy} onClick={() => void choose(asking)}>{t("edConfirm")}</button>
          </div>
        </div>
      )}
      {message && <p className="ok" role="status">{message}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
