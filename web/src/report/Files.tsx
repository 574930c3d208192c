import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import { fmtBytes } from "./bytes.js";

export interface FileRow {
  id: number; element: string; kind: string; destination: string; path: string; rows: number; bytes: number | null;
  status: "pending" | "uploading" | "uploaded" | "failed"; attempts: number; lastError: string | null;
  createdAt: number; readyAt: number; nextAttemptAt: number | null; uploadedAt: number | null;
}

const STATUS: Record<FileRow["status"], { fr: string; en: string }> = {
  pending: { fr: "en attente", en: "pending" }, uploading: { fr: "en envoi", en: "uploading" },
  uploaded: { fr: "déposé", en: "uploaded" }, failed: { fr: "échec", en: "failed" },
};

/**
 * The files the campaign's export and postal elements wrote (issue: reports show each file):
 * destination, path, rows, bytes, status and time; a failed one shows its error and can be sent
 * again (`POST /files/:id/retry`).
 */
export function CampaignFiles({ projectId, campaignId }: { projectId: string; campaignId: string }) {
  const { lang } = useT();
  const L = (fr: string, en: string) => (lang === "fr" ? fr : en);
  const [files, setFiles] = useState<FileRow[] | null>(null);
  const [error, setError] = useState("");
  const base = `/projects/${encodeURIComponent(projectId)}/files`;
  const load = useCallback(
    () => api<{ files: FileRow[] }>("GET", `${base}?campaign=${encodeURIComponent(campaignId)}`).then((r) => setFiles(r.files), (e: Error) => setError(e.message)),
    [base, campaignId],
  );
  useEffect(() => void load(), [load]);
  const retry = async (id: number) => {
    setError("");
    try {
      await api("POST", `${base}/${id}/retry`);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const time = (ms: number | null) => (ms === null ? "—" : new Date(ms).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA"));
  if (files === null) return null;
  return (
    <div data-testid="report-files">
      {files.length === 0 && <p className="muted">{L("Aucun fichier écrit pour l'instant.", "No file written yet.")}</p>}
      {files.length > 0 && (
        <table className="ed-files">
          <thead><tr><th>{L("Fichier", "File")}</th><th>{L("Lignes", "Rows")}</th><th>{L("Taille", "Size")}</th><th>{L("État", "Status")}</th></tr></thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.id} data-testid={`file-${f.id}`} className={`ed-file-${f.status}`}>
                <td><code>{f.destination}:{f.path}</code><div className="small muted">{f.element} · {time(f.uploadedAt ?? f.createdAt)}</div></td>
                <td>{f.rows.toLocaleString(lang === "fr" ? "fr-CA" : "en-CA")}</td>
                <td>{fmtBytes(f.bytes, lang)}</td>
                <td>
                  <span className={`status ed-file-status-${f.status}`}>{STATUS[f.status][lang]}</span>
                  {f.status === "failed" && (
                    <>
                      <div className="small error">{f.lastError}</div>
                      <button className="ed-small" onClick={() => void retry(f.id)} data-testid={`file-${f.id}-retry`}>{L("Renvoyer", "Send again")}</button>
                    </>
                  )}
                  {f.status === "pending" && f.attempts > 0 && f.lastError && <div className="small muted">{L("nouvel essai", "retry")} {time(f.nextAttemptAt)} — {f.lastError}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
