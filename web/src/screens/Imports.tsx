import { useCallback, useEffect, useState } from "react";
import type { ProjectInfo } from "../App.js";
import { ApiProblem } from "../api.js";
import { api } from "../api.js";
import { missingKey, suggestMapping } from "../backoffice/column-mapping.js";
import { parseCsvPreview, rejectionsCsv, type Rejection } from "../backoffice/csv.js";
import { downloadText } from "../backoffice/download.js";
import { ErrorLine, fmtTime, projectPath, useProjectConfig } from "../backoffice/shared.js";
import { useT } from "../i18n.js";

interface ImportRecord {
  id: string; status: "queued" | "running" | "done" | "failed"; fileName: string;
  options: { mapping: Record<string, string>; launchCampaigns: boolean; encoding: string; delimiter: string };
  totalRows: number; processedRows: number; created: number; updated: number; rejected: number;
  error: string | null; createdAt: number; finishedAt: number | null; rejections?: Rejection[];
}
const ENCODINGS = ["utf-8", "windows-1252", "latin1"] as const;
/** Bytes read for the preview: enough for the header and the first rows of any sane file. */
const PREVIEW_BYTES = 64 * 1024;

/**
 * Imports: choose a CSV, see its first rows, map each column (suggested by name), choose to
 * launch the onDemand import triggers, send it, watch the progress, read and download the report.
 */
export function ImportsScreen({ project }: { project: ProjectInfo }) {
  const { t, lang } = useT();
  const { config } = useProjectConfig(project.id, project.config);
  const [file, setFile] = useState<File | null>(null);
  const [encoding, setEncoding] = useState<(typeof ENCODINGS)[number]>("utf-8");
  const [preview, setPreview] = useState<{ header: string[]; rows: string[][] } | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [launchCampaigns, setLaunchCampaigns] = useState(false);
  const [current, setCurrent] = useState<ImportRecord | null>(null);
  const [history, setHistory] = useState<ImportRecord[]>([]);
  const [error, setError] = useState("");
  const [problems, setProblems] = useState<{ path: string; message: string }[]>([]);
  const base = `${projectPath(project.id)}/imports`;

  const loadHistory = useCallback(() => api<{ imports: ImportRecord[] }>("GET", `${base}?limit=20`).then((r) => setHistory(r.imports), () => undefined), [base]);
  useEffect(() => void loadHistory(), [loadHistory]);

  const choose = async (f: File | null, enc = encoding) => {
    setFile(f);
    setCurrent(null);
    setError("");
    setProblems([]);
    if (!f) return setPreview(null);
    const bytes = await f.slice(0, PREVIEW_BYTES).arrayBuffer();
    const text = new TextDecoder(enc === "utf-8" ? "utf-8" : "windows-1252").decode(bytes);
    const p = parseCsvPreview(text, 5);
    setPreview(p);
    setMapping(suggestMapping(p.header, config));
  };

  // Poll the running import until it ends.
  useEffect(() => {
    if (!current || current.status === "done" || current.status === "failed") return;
    const timer = setTimeout(() => {
      api<ImportRecord>("GET", `${base}/${encodeURIComponent(current.id)}`).then((r) => {
        setCurrent(r);
        if (r.status === "done" || r.status === "failed") void loadHistory();
      }, (e: Error) => setError(e.message));
    }, 400);
    return () => clearTimeout(timer);
  }, [current, base, loadHistory]);

  const start = async () => {
    if (!file) return;
    setError("");
    setProblems([]);
    const q = new URLSearchParams({ mapping: JSON.stringify(mapping), launchCampaigns: String(launchCampaigns), encoding, fileName: file.name });
    const res = await fetch(`/api/v1${base}?${q}`, { method: "POST", credentials: "same-origin", headers: { "content-type": "text/csv" }, body: file });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const p = new ApiProblem(res.status, json.code ?? "error", json.detail ?? json.title ?? res.statusText, json);
      setError(p.message);
      setProblems(Array.isArray(json.errors) ? json.errors : []);
      return;
    }
    setCurrent(json as ImportRecord);
  };
  const open = async (id: string) => setCurrent(await api<ImportRecord>("GET", `${base}/${encodeURIComponent(id)}`));

  const targets = [
    { value: "ignore", label: t("boIgnore") },
    ...config.fields.map((f) => ({ value: `field:${f.key}`, label: `${t("boField")} · ${f.key}` })),
    ...config.communicationTypes.filter((c) => !c.administrative).map((c) => ({ value: `subscription:${c.key}`, label: `${t("boSubscription")} · ${c.key}` })),
    { value: "groups", label: t("boGroups") },
  ];
  const lacking = preview ? missingKey(mapping, config) : undefined;
  const running = current && (current.status === "queued" || current.status === "running");
  return (
    <main className="page bo-page" data-testid="screen-imports">
      <div className="row"><h1>{t("boImports")}</h1></div>
      <section className="bo-section">
        <h2>1. {t("boChooseFile")}</h2>
        <div className="row">
          <input type="file" accept=".csv,text/csv" data-testid="import-file" onChange={(e) => void choose(e.target.files?.[0] ?? null)} />
          <label className="bo-inline">{t("boEncoding")}
            <select value={encoding} onChange={(e) => { const enc = e.target.value as typeof encoding; setEncoding(enc); void choose(file, enc); }}>
              {ENCODINGS.map((x) => <option key={x} value={x}>{x}</option>)}
            </select>
          </label>
        </div>
        {preview && (
          <>
            <h3>{t("boPreview")}</h3>
            <div className="bo-table-wrap">
              <table className="bo-mini" data-testid="import-preview">
                <thead><tr>{preview.header.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
                <tbody>{preview.rows.map((r, i) => <tr key={i}>{preview.header.map((_, j) => <td key={j}>{r[j] ?? ""}</td>)}</tr>)}</tbody>
              </table>
            </div>
          </>
        )}
      </section>
      {preview && (
        <section className="bo-section">
          <h2>2. {t("boMapColumns")}</h2>
          <table className="bo-mini bo-mapping" data-testid="import-mapping">
            <thead><tr><th>{t("boCsvColumn")}</th><th>{t("boGoesTo")}</th><th>{t("boExample")}</th></tr></thead>
            <tbody>
              {preview.header.map((h, i) => (
                <tr key={h}>
                  <td><strong>{h}</strong></td>
                  <td>
                    <select name={`map-${h}`} value={mapping[h] ?? "ignore"} onChange={(e) => setMapping({ ...mapping, [h]: e.target.value })}>
                      {targets.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                    </select>
                  </td>
                  <td className="muted">{preview.rows[0]?.[i] ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {lacking && <p className="error" role="alert">{t("boKeyNotMapped")} {lacking}</p>}
          <label className="check"><input type="checkbox" data-testid="launch-campaigns" checked={launchCampaigns} onChange={(e) => setLaunchCampaigns(e.target.checked)} /> {t("boLaunchCampaignsOption")}</label>
          <p className="small muted">{t("boLaunchCampaignsHelp")}</p>
          <button className="primary" data-testid="import-start" disabled={!!lacking || !!running} onClick={() => void start()}>{t("boStartImport")}</button>
          <ErrorLine error={error} />
          {problems.length > 0 && <ul className="bo-problems">{problems.map((p, i) => <li key={i}><code>{p.path}</code> {p.message}</li>)}</ul>}
        </section>
      )}
      {current && <ImportReport record={current} />}
      <section className="bo-section">
        <h2>{t("boImportHistory")}</h2>
        {history.length === 0 ? <p className="muted">{t("boNoImports")}</p> : (
          <table className="list bo-list" data-testid="import-history">
            <thead><tr><th>{t("boFile")}</th><th>{t("status")}</th><th>{t("boCreated")}</th><th>{t("boUpdated")}</th><th>{t("boRejected")}</th><th>{t("boStartedAt")}</th></tr></thead>
            <tbody>{history.map((h) => (
              <tr key={h.id} onClick={() => void open(h.id)}>
                <td>{h.fileName}</td><td>{t(`boImport_${h.status}`)}</td><td>{h.created}</td><td>{h.updated}</td><td>{h.rejected}</td><td>{fmtTime(h.createdAt, lang)}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </section>
    </main>
  );
}

function ImportReport({ record }: { record: ImportRecord }) {
  const { t, lang } = useT();
  const pct = record.totalRows > 0 ? Math.round((record.processedRows / record.totalRows) * 100) : record.status === "done" ? 100 : 0;
  const rejections = record.rejections ?? [];
  const download = () => downloadText(`${record.fileName.replace(/\.csv$/i, "")}-${lang === "fr" ? "rejets" : "rejections"}.csv`,
    rejectionsCsv(rejections, lang === "fr" ? ["ligne_donnees", "ligne_fichier", "colonne", "raison"] : ["row", "line", "column", "reason"]));
  return (
    <section className="bo-section" data-testid="import-report" data-status={record.status}>
      <h2>3. {t("boReport")} — {record.fileName}</h2>
      <div className="bo-progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}><div style={{ width: `${pct}%` }} /></div>
      <p className="muted">{t(`boImport_${record.status}`)} · {record.processedRows.toLocaleString()} / {record.totalRows.toLocaleString()} {t("boRows")}{record.finishedAt ? ` · ${fmtTime(record.finishedAt, lang)}` : ""}</p>
      {record.error && <p className="error" role="alert">{record.error}</p>}
      <div className="bo-stats">
        <div data-testid="import-created"><strong>{record.created}</strong><span>{t("boCreated")}</span></div>
        <div data-testid="import-updated"><strong>{record.updated}</strong><span>{t("boUpdated")}</span></div>
        <div data-testid="import-rejected" className={record.rejected ? "bad" : ""}><strong>{record.rejected}</strong><span>{t("boRejected")}</span></div>
      </div>
      {rejections.length > 0 && (
        <>
          <div className="row">
            <h3>{t("boRejectedRows")}</h3>
            <span className="grow" />
            <button data-testid="download-report" onClick={download}>{t("boDownloadCsv")}</button>
          </div>
          {record.rejected > rejections.length && <p className="small muted">{t("boFirstRejections")} {rejections.length}</p>}
          <table className="bo-mini" data-testid="rejections">
            <thead><tr><th>{t("boRow")}</th><th>{t("boLine")}</th><th>{t("boColumn")}</th><th>{t("boReason")}</th></tr></thead>
            <tbody>{rejections.map((r, i) => <tr key={i}><td>{r.row}</td><td>{r.line}</td><td>{r.column}</td><td>{r.reason}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </section>
  );
}
