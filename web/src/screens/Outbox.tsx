import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import type { ProjectInfo } from "../App.js";
import { EDITOR_EXTRA_STRINGS, fill } from "../i18n-editor.js";
import { useT, type StringKey } from "../i18n.js";
import { recipientOf, summaryOf, viewerHtml, type OutboxMessage } from "../report/message.js";

const PAGE = 25;

/** A translated status or channel name, or the raw value when it has none. */
function useLabel() {
  const { t } = useT();
  return (prefix: "ms_" | "ch_", value: string) => (`${prefix}${value}` in EDITOR_EXTRA_STRINGS ? t(`${prefix}${value}` as StringKey) : value);
}

/**
 * The capture outbox (GET /outbox): messages as rendered, newest first, a page at a time (keyset
 * cursors, kept in a stack to go back), filtered by channel and campaign. Choosing one shows the
 * email in a sandboxed frame (no scripts, tracking pixel removed) or the SMS / push text.
 */
export function OutboxScreen({ project }: { project: ProjectInfo }) {
  const { t, lang } = useT();
  const label = useLabel();
  const base = `/projects/${encodeURIComponent(project.id)}`;
  const [channel, setChannel] = useState("");
  const [campaign, setCampaign] = useState("");
  const [campaigns, setCampaigns] = useState<{ id: string; name: string }[]>([]);
  /** Cursors of the pages shown so far: [undefined] is the first page. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ messages: OutboxMessage[]; next: string | null } | null>(null);
  const [chosen, setChosen] = useState<OutboxMessage | null>(null);
  const [error, setError] = useState("");
  const cursor = cursors[cursors.length - 1];
  const fmt = (at: number | null) => (at === null ? "—" : new Date(at).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA", { dateStyle: "short", timeStyle: "short" }));
  const nameOf = (id: string) => campaigns.find((c) => c.id === id)?.name || id;

  useEffect(() => {
    api<{ campaigns: { id: string; name: string }[] }>("GET", `${base}/campaigns`).then((r) => setCampaigns(r.campaigns), () => setCampaigns([]));
  }, [base]);

  const load = useCallback(async () => {
    setError("");
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) q.set("cursor", cursor);
    if (channel) q.set("channel", channel);
    if (campaign) q.set("campaign", campaign);
    try {
      setPage(await api("GET", `${base}/outbox?${q}`));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [base, cursor, channel, campaign]);
  useEffect(() => void load(), [load]);

  const filter = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLSelectElement>) => {
    set(e.target.value);
    setCursors([undefined]);
    setChosen(null);
  };

  return (
    <main className="page ed-screen ed-outbox" data-testid="screen-outbox">
      <div className="row">
        <h1>{t("outboxTitle")}</h1>
        <span className="grow" />
        <label className="ed-inline">{t("outboxChannel")}
          <select value={channel} onChange={filter(setChannel)} data-testid="outbox-channel">
            <option value="">{t("allChannels")}</option>
            {["email", "sms", "push"].map((c) => <option key={c} value={c}>{label("ch_", c)}</option>)}
          </select>
        </label>
        <label className="ed-inline">{t("approvalCampaign")}
          <select value={campaign} onChange={filter(setCampaign)}>
            <option value="">{t("allCampaigns")}</option>
            {campaigns.map((c) => <option key={c.id} value={c.id}>{c.name || c.id}</option>)}
          </select>
        </label>
        <button onClick={() => void load()}>{t("edRefresh")}</button>
      </div>
      <p className="muted ed-intro">{t("outboxIntro")}</p>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="ed-outbox-body">
        <div className="ed-outbox-list">
          {page?.messages.length === 0 && <div className="ed-empty card" data-testid="outbox-empty">{t("outboxEmpty")}</div>}
          {page && page.messages.length > 0 && (
            <table className="list" data-testid="outbox-list">
              <thead><tr><th>{t("outboxTime")}</th><th>{t("outboxChannel")}</th><th>{t("outboxRecipient")}</th><th>{t("outboxSubject")}</th><th>{t("approvalCampaign")}</th><th>{t("outboxStatus")}</th></tr></thead>
              <tbody>
                {page.messages.map((m) => (
                  <tr key={m.id} className={chosen?.id === m.id ? "ed-chosen" : ""} data-testid={`outbox-${m.id}`} onClick={() => setChosen(m)}>
                    <td className="ed-nowrap">{fmt(m.sentAt ?? m.createdAt)}</td>
                    <td><span className={`ed-channel ed-channel-${m.channel}`}>{label("ch_", m.channel)}</span></td>
                    <td>{recipientOf(m)}</td>
                    <td>
                      <button className="ed-linkish" aria-pressed={chosen?.id === m.id} onClick={(e) => { e.stopPropagation(); setChosen(m); }}>{summaryOf(m) || "—"}</button>
                    </td>
                    <td>{nameOf(m.campaign)}</td>
                    <td><span className={`ed-mstatus ed-mstatus-${m.status}`}>{label("ms_", m.status)}</span></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {page === null && !error && <p>{t("loading")}</p>}
          <div className="row ed-pager">
            <button disabled={cursors.length <= 1} onClick={() => { setCursors((c) => c.slice(0, -1)); setChosen(null); }}>{t("edNewer")}</button>
            <span className="muted" data-testid="outbox-page">{fill(t("edPageN"), { n: cursors.length })}</span>
            <button disabled={!page?.next} data-testid="outbox-older" onClick={() => { if (page?.next) setCursors((c) => [...c, page.next!]); setChosen(null); }}>{t("edOlder")}</button>
          </div>
        </div>
        <aside className="ed-outbox-view card" aria-live="polite">
          {chosen ? <MessageView m={chosen} onClose={() => setChosen(null)} campaign={nameOf(chosen.campaign)} when={fmt(chosen.sentAt ?? chosen.createdAt)} /> : <p className="muted">{t("selectMessage")}</p>}
        </aside>
      </div>
    </main>
  );
}

function MessageView({ m, campaign, when, onClose }: { m: OutboxMessage; campaign: string; when: string; onClose: () => void }) {
  const { t } = useT();
  const label = useLabel();
  const p = m.payload;
  const s = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : undefined);
  const html = s("html");
  return (
    <div className="ed-message" data-testid="outbox-message">
      <div className="row">
        <strong className="grow">{s("subject") ?? s("title") ?? label("ch_", m.channel)}</strong>
        <button onClick={onClose} aria-label={t("edClose")}>×</button>
      </div>
      <dl className="ed-headers">
        {s("from") && <><dt>{t("edFrom")}</dt><dd>{s("from")}</dd></>}
        <dt>{t("edTo")}</dt><dd>{recipientOf(m)}</dd>
        <dt>{t("outboxTime")}</dt><dd>{when}</dd>
        <dt>{t("approvalCampaign")}</dt><dd>{campaign} · <code>{m.element}</code></dd>
        <dt>{t("outboxStatus")}</dt><dd>{label("ms_", m.status)}{m.reason ? ` (${m.reason})` : ""}</dd>
      </dl>
      {m.channel === "email" && html !== undefined
        ? <iframe className="ed-mail" title={s("subject") ?? t("ch_email")} sandbox="" srcDoc={viewerHtml(html)} data-testid="outbox-iframe" />
        : <pre className="ed-text" data-testid="outbox-text">{s("text") ?? s("body") ?? JSON.stringify(p, null, 2)}</pre>}
    </div>
  );
}
