import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import type { ProjectInfo } from "../App.js";
import { fill } from "../i18n-editor.js";
import { useT } from "../i18n.js";

interface ApprovalRequest {
  campaign: { id: string; name: string; status: string };
  element: string;
  sends: string[];
  recipients: number;
  waiting: number;
  preparedAt: number | null;
  lastPreparedAt: number | null;
  preview: { contact: string; to: string | null; subject: string; preheader: string | null; html: string; text: string; from: string | null } | null;
}

const keyOf = (a: ApprovalRequest) => `${a.campaign.id}/${a.element}`;

/**
 * The approvals inbox: every approval element of the project's running campaigns with emails or
 * contacts waiting (GET /approvals), each with a preview of its first email; approving or
 * rejecting asks for a confirmation, then calls POST /campaigns/:c/approvals/:element.
 */
export function ApprovalsScreen({ project }: { project: ProjectInfo }) {
  const { t, lang } = useT();
  const [items, setItems] = useState<ApprovalRequest[] | null>(null);
  const [error, setError] = useState("");
  const [result, setResult] = useState("");
  const [asking, setAsking] = useState<{ key: string; decision: "approve" | "reject" } | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const base = `/projects/${encodeURIComponent(project.id)}`;
  const fmt = (at: number | null) => (at === null ? "—" : new Date(at).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA", { dateStyle: "short", timeStyle: "short" }));

  const load = useCallback(async () => {
    setError("");
    try {
      setItems((await api<{ approvals: ApprovalRequest[] }>("GET", `${base}/approvals`)).approvals);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [base]);
  useEffect(() => void load(), [load]);

  const decide = async (a: ApprovalRequest, decision: "approve" | "reject") => {
    setBusy(true);
    setError("");
    try {
      const r = await api<{ contacts: number }>("POST", `${base}/campaigns/${encodeURIComponent(a.campaign.id)}/approvals/${encodeURIComponent(a.element)}`, { decision });
      setResult(fill(t(decision === "approve" ? "approvedResult" : "rejectedResult"), { n: r.contacts }));
      setAsking(null);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="page ed-screen" data-testid="screen-approvals">
      <div className="row">
        <h1>{t("approvalsTitle")}</h1>
        <span className="grow" />
        <button onClick={() => void load()}>{t("edRefresh")}</button>
      </div>
      <p className="muted ed-intro">{t("approvalsIntro")}</p>
      {result && <p className="ed-result" role="status" data-testid="approval-result">{result}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {items === null && !error && <p>{t("loading")}</p>}
      {items?.length === 0 && <div className="ed-empty card" data-testid="approvals-empty">{t("approvalsEmpty")}</div>}
      <ul className="ed-approvals">
        {items?.map((a) => {
          const k = keyOf(a);
          const ask = asking?.key === k ? asking.decision : null;
          return (
            <li key={k} className="card ed-approval" data-testid={`approval-${a.campaign.id}-${a.element}`}>
              <div className="ed-approval-head">
                <div>
                  <a href={`/?campaign=${encodeURIComponent(a.campaign.id)}`} title={t("openCampaign")}><strong>{a.campaign.name || a.campaign.id}</strong></a>
                  {" "}<span className={`status ${a.campaign.status}`}>{t(a.campaign.status as "active" | "paused")}</span>
                  <div className="small">{t("approvalElement")} <code>{a.element}</code>{a.preview ? <> · {t("approvalSubject")} : <em>{a.preview.subject}</em></> : null}</div>
                </div>
                <dl className="ed-facts">
                  <div><dt>{t("approvalWaiting")}</dt><dd data-testid="approval-waiting">{a.waiting}</dd></div>
                  <div><dt>{t("approvalRecipients")}</dt><dd>{a.recipients}</dd></div>
                  <div><dt>{t("approvalSince")}</dt><dd>{fmt(a.preparedAt)}</dd></div>
                </dl>
              </div>
              <div className="row ed-actions">
                {a.preview && (
                  <button aria-expanded={open === k} onClick={() => setOpen(open === k ? null : k)}>{t(open === k ? "hidePreview" : "showPreview")}</button>
                )}
                <span className="grow" />
                {ask === null && <>
                  <button className="danger" disabled={busy} onClick={() => setAsking({ key: k, decision: "reject" })}>{t("edReject")}</button>
                  <button className="primary" disabled={busy} onClick={() => setAsking({ key: k, decision: "approve" })}>{t("edApprove")}</button>
                </>}
              </div>
              {ask && (
                <div className={`ed-confirm ${ask}`} role="alertdialog" aria-label={t(ask === "approve" ? "edApprove" : "edReject")} data-testid="approval-confirm">
                  <span>{t(ask === "approve" ? "confirmApprove" : "confirmReject")}</span>
                  <span className="grow" />
                  <button onClick={() => setAsking(null)} disabled={busy}>{t("cancel")}</button>
                  <button className={ask === "approve" ? "primary" : "danger"} disabled={busy} autoFocus onClick={() => void decide(a, ask)}>
                    {t("edConfirm")} — {t(ask === "approve" ? "edApprove" : "edReject")}
                  </button>
                </div>
              )}
              {open === k && a.preview && (
                <div className="ed-preview">
                  <div className="small">{t("previewFor")} <code>{a.preview.contact}</code>{a.preview.from ? <> · {t("edFrom")} {a.preview.from}</> : null}</div>
                  <iframe title={`${t("previewFor")} ${a.preview.contact}`} sandbox="" srcDoc={a.preview.html} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
