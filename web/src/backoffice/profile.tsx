import { useCallback, useEffect, useMemo, useState } from "react";
import { evaluateRule, fieldTypes, type FieldDef, type ProjectConfig } from "../../../src/model/index.js";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import type { ContactView } from "./contact-list.js";
import { editedValue } from "./field-values.js";
import { ErrorLine, fmtTime, projectPath, useAction } from "./shared.js";
import { JourneyTimeline } from "./timeline.js";

/** Where consent changes made in the back office are said to come from (the consent history's source). */
export const BACKOFFICE_SOURCE = "backoffice";

type TableRows = Record<string, Record<string, unknown>[]>;

function fieldText(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

/**
 * A contact's profile: fields by category (general ones editable), subscriptions, groups,
 * personas matched, profiling-table rows, the journeys timeline, and the actions (launch an
 * API-triggered campaign, deactivate, erase).
 */
export function ContactProfile({ projectId, config, contactId, onBack }: { projectId: string; config: ProjectConfig; contactId: string; onBack: () => void }) {
  const { t, lang } = useT();
  const [contact, setContact] = useState<ContactView | null>(null);
  const [tables, setTables] = useState<TableRows>({});
  const [gone, setGone] = useState("");
  const [refresh, setRefresh] = useState(0);
  const base = `${projectPath(projectId)}/contacts/${encodeURIComponent(contactId)}`;

  const load = useCallback(async () => {
    try {
      setContact(await api<ContactView>("GET", base));
      const rows = await Promise.all(config.tables.map((tb) => api<{ rows: Record<string, unknown>[] }>("GET", `${base}/tables/${encodeURIComponent(tb.key)}`).then((r) => [tb.key, r.rows] as const, () => [tb.key, []] as const)));
      setTables(Object.fromEntries(rows));
    } catch (e) {
      setGone((e as Error).message);
    }
  }, [base, config.tables]);
  useEffect(() => void load(), [load]);

  if (gone) return <div className="bo-profile"><button onClick={onBack}>← {t("boBackToContacts")}</button><ErrorLine error={gone} /></div>;
  if (!contact) return <p>{t("loading")}</p>;
  return (
    <div className="bo-profile" data-testid="profile">
      <div className="row bo-profile-head">
        <button onClick={onBack}>← {t("boBackToContacts")}</button>
        <h1 data-testid="profile-id">{contact.id}</h1>
        <span className={`status ${contact.status === "active" ? "active" : "stopped"}`}>{t(`boStatus_${contact.status}`)}</span>
        <span className="muted">{t("boCreatedAt")} {fmtTime(contact.createdAt, lang)}</span>
      </div>
      <div className="bo-profile-grid">
        <div className="bo-col">
          <FieldsCard base={base} config={config} contact={contact} onSaved={setContact} />
          <SubscriptionsCard base={base} config={config} contact={contact} onChanged={setContact} />
          <GroupsCard base={base} config={config} contact={contact} onChanged={setContact} />
          <PersonasCard config={config} contact={contact} tables={tables} />
          <TablesCard config={config} tables={tables} />
          <PromoPushCard base={base} refresh={refresh} />
        </div>
        <div className="bo-col">
          <ActionsCard projectId={projectId} base={base} contact={contact} onChanged={setContact} onLaunched={() => setRefresh((n) => n + 1)} onErased={onBack} />
          <JourneyTimeline projectId={projectId} contactId={contact.id} refresh={refresh} />
        </div>
      </div>
    </div>
  );
}

function FieldsCard({ base, config, contact, onSaved }: { base: string; config: ProjectConfig; contact: ContactView; onSaved: (c: ContactView) => void }) {
  const { t } = useT();
  const general = config.fields.filter((f) => f.category === "general");
  const readOnly = config.fields.filter((f) => f.category !== "general");
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  const changed = Object.keys(draft).filter((k) => draft[k] !== fieldText(contact.fields[k]));
  const save = () => run(async () => {
    const fields = Object.fromEntries(changed.map((k) => [k, editedValue(general.find((f) => f.key === k)!, draft[k]!)]));
    onSaved(await api<ContactView>("PATCH", base, { fields }));
    setDraft({});
    setSaved(true);
  });
  const input = (f: FieldDef) => {
    const value = draft[f.key] ?? fieldText(contact.fields[f.key]);
    const set = (v: string) => { setSaved(false); setDraft({ ...draft, [f.key]: v }); };
    if (f.type === "boolean") {
      return (
        <select name={`field-${f.key}`} value={value} onChange={(e) => set(e.target.value)}>
          <option value="">—</option><option value="true">{t("boYes")}</option><option value="false">{t("boNo")}</option>
        </select>
      );
    }
    return <input name={`field-${f.key}`} type={f.type === "number" ? "number" : f.type === "date" ? "date" : f.type === "email" ? "email" : "text"} value={value} onChange={(e) => set(e.target.value)} />;
  };
  return (
    <section className="bo-section" data-testid="profile-fields">
      <h2>{t("boFields")}</h2>
      <form className="bo-form-grid" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        {general.map((f) => <label key={f.key}><span>{f.key} <span className="muted">{f.type}</span></span>{input(f)}</label>)}
        <div className="row">
          <button type="submit" className="primary" data-testid="save-fields" disabled={busy || changed.length === 0}>{t("save")}</button>
          {saved && changed.length === 0 && <span className="muted" role="status">{t("saved")}</span>}
        </div>
      </form>
      <ErrorLine error={error} />
      <h3>{t("boReadOnlyFields")}</h3>
      <dl className="bo-dl">
        {readOnly.map((f) => (
          <div key={f.key}><dt>{f.key} <span className="bo-badge">{t(`boCat_${f.category}`)}</span></dt><dd>{fieldText(contact.fields[f.key]) || "—"}</dd></div>
        ))}
      </dl>
    </section>
  );
}

function SubscriptionsCard({ base, config, contact, onChanged }: { base: string; config: ProjectConfig; contact: ContactView; onChanged: (c: ContactView) => void }) {
  const { t, lang } = useT();
  const { error, run } = useAction();
  const set = (type: string, subscribed: boolean) => run(async () => {
    const r = await api<{ contact: ContactView }>("PUT", `${base}/subscriptions/${encodeURIComponent(type)}`, { subscribed, source: BACKOFFICE_SOURCE });
    onChanged(r.contact);
  });
  return (
    <section className="bo-section" data-testid="profile-subscriptions">
      <h2>{t("boSubscriptions")}</h2>
      <table className="bo-mini">
        <thead><tr><th>{t("boCommunicationType")}</th><th>{t("status")}</th><th>{t("boSince")} · {t("boSource")}</th><th /></tr></thead>
        <tbody>
          {config.communicationTypes.map((ct) => {
            const s = contact.subscriptions[ct.key];
            return (
              <tr key={ct.key} data-testid={`sub-${ct.key}`}>
                <td>{ct.key} <span className="bo-badge">{ct.channel}</span></td>
                <td>{ct.administrative ? <span className="muted">{t("boAdministrative")}</span> : s?.subscribed ? <span className="status active">{t("boSubscribed")}</span> : <span className="status draft">{t("boNotSubscribed")}</span>}</td>
                <td className="small">{s?.at ? `${fmtTime(s.at, lang)} · ${s.source ?? ""}` : "—"}</td>
                <td className="bo-right">{!ct.administrative && (s?.subscribed
                  ? <button onClick={() => void set(ct.key, false)}>{t("boUnsubscribe")}</button>
                  : <button onClick={() => void set(ct.key, true)}>{t("boSubscribe")}</button>)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ErrorLine error={error} />
    </section>
  );
}

function GroupsCard({ base, config, contact, onChanged }: { base: string; config: ProjectConfig; contact: ContactView; onChanged: (c: ContactView) => void }) {
  const { t } = useT();
  const { error, run } = useAction();
  const [pick, setPick] = useState("");
  const others = config.groups.map((g) => g.key).filter((g) => !contact.groups.includes(g));
  const change = (group: string, add: boolean) => run(async () => {
    const r = await api<{ contact: ContactView }>(add ? "PUT" : "DELETE", `${base}/groups/${encodeURIComponent(group)}`);
    onChanged(r.contact);
    setPick("");
  });
  return (
    <section className="bo-section" data-testid="profile-groups">
      <h2>{t("boGroups")}</h2>
      <div className="bo-chips">
        {contact.groups.length === 0 && <span className="muted">{t("none")}</span>}
        {contact.groups.map((g) => <span key={g} className="bo-chip">{g} <button aria-label={`${t("boRemove")} ${g}`} onClick={() => void change(g, false)}>×</button></span>)}
      </div>
      {others.length > 0 && (
        <div className="row">
          <select aria-label={t("boGroups")} value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">—</option>
            {others.map((g) => <option key={g} value={g}>{g}</option>)}
          </select>
          <button disabled={!pick} onClick={() => void change(pick, true)}>{t("add")}</button>
        </div>
      )}
      <ErrorLine error={error} />
    </section>
  );
}

/** Personas are evaluated here with the engine's own rule evaluator, on the fields and rows just read. */
function PersonasCard({ config, contact, tables }: { config: ProjectConfig; contact: ContactView; tables: TableRows }) {
  const { t } = useT();
  const matched = useMemo(() => {
    const env = {
      now: Date.now(), timezone: config.timezone, fieldTypes: fieldTypes(config),
      tableColumns: new Map(config.tables.map((tb) => [tb.key, new Map(tb.columns.map((c) => [c.key, c.type]))])),
    };
    return config.personas.filter((p) => contact.status === "active" && evaluateRule(p.rule, { fields: contact.fields, tables }, env)).map((p) => p.key);
  }, [config, contact, tables]);
  return (
    <section className="bo-section" data-testid="profile-personas">
      <h2>{t("boPersonasMatched")}</h2>
      <div className="bo-chips">
        {matched.length === 0 ? <span className="muted">{t("none")}</span> : matched.map((p) => <span key={p} className="bo-chip">{p}</span>)}
      </div>
    </section>
  );
}

function TablesCard({ config, tables }: { config: ProjectConfig; tables: TableRows }) {
  const { t } = useT();
  if (config.tables.length === 0) return null;
  return (
    <section className="bo-section" data-testid="profile-tables">
      <h2>{t("boProfilingTables")}</h2>
      {config.tables.map((tb) => (
        <div key={tb.key}>
          <h3>{tb.key} <span className="muted">({tables[tb.key]?.length ?? 0})</span></h3>
          {(tables[tb.key]?.length ?? 0) > 0 && (
            <table className="bo-mini">
              <thead><tr>{tb.columns.map((c) => <th key={c.key}>{c.key}</th>)}</tr></thead>
              <tbody>{tables[tb.key]!.map((r, i) => <tr key={i}>{tb.columns.map((c) => <td key={c.key}>{fieldText(r[c.key])}</td>)}</tr>)}</tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}

/** Promo codes granted (by campaigns) and web-push devices; read again after a launch, which may grant a code. */
function PromoPushCard({ base, refresh }: { base: string; refresh: number }) {
  const { t, lang } = useT();
  const [codes, setCodes] = useState<{ bank: string; code: string; grantedAt: number | null }[]>([]);
  const [devices, setDevices] = useState<{ service: string; at: number | null }[]>([]);
  useEffect(() => {
    api<{ promoCodes: typeof codes }>("GET", `${base}/promo-codes`).then((r) => setCodes(r.promoCodes), () => undefined);
    api<{ devices: typeof devices }>("GET", `${base}/push-subscriptions`).then((r) => setDevices(r.devices), () => undefined);
  }, [base, refresh]);
  return (
    <section className="bo-section" data-testid="profile-promo-push">
      <h2>{t("boPromoCodes")}</h2>
      {codes.length === 0 ? <p className="muted">{t("none")}</p> : (
        <table className="bo-mini">
          <thead><tr><th>{t("boBank")}</th><th>{t("boCode")}</th><th>{t("boGrantedAt")}</th></tr></thead>
          <tbody>{codes.map((c, i) => <tr key={i}><td>{c.bank}</td><td><code>{c.code}</code></td><td>{fmtTime(c.grantedAt, lang)}</td></tr>)}</tbody>
        </table>
      )}
      <h2>{t("boPushDevices")}</h2>
      {devices.length === 0 ? <p className="muted">{t("none")}</p> : (
        <ul className="bo-devices">{devices.map((d, i) => <li key={i}>{d.service} <span className="muted">· {fmtTime(d.at, lang)}</span></li>)}</ul>
      )}
    </section>
  );
}

interface CampaignRow { id: string; name: string; status: string }

function ActionsCard({ projectId, base, contact, onChanged, onLaunched, onErased }: {
  projectId: string; base: string; contact: ContactView; onChanged: (c: ContactView) => void; onLaunched: () => void; onErased: () => void;
}) {
  const { t } = useT();
  const [campaigns, setCampaigns] = useState<CampaignRow[] | null>(null);
  const [chosen, setChosen] = useState("");
  const [data, setData] = useState("");
  const [launched, setLaunched] = useState("");
  const [confirm, setConfirm] = useState<string | null>(null);
  const { error, busy, run, setError } = useAction();

  useEffect(() => {
    let live = true;
    // Only active campaigns with an API trigger take entries: read each active one's document.
    void (async () => {
      const { campaigns: all } = await api<{ campaigns: CampaignRow[] }>("GET", `${projectPath(projectId)}/campaigns`);
      const docs = await Promise.all(all.filter((c) => c.status === "active").map(async (c) => {
        const full = await api<{ document: { elements: { type: string }[] } }>("GET", `${projectPath(projectId)}/campaigns/${encodeURIComponent(c.id)}`).catch(() => null);
        return full?.document.elements.some((e) => e.type === "trigger.api") ? c : null;
      }));
      if (live) setCampaigns(docs.filter((c): c is CampaignRow => c !== null));
    })().catch((e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [projectId, setError]);

  const launch = () => run(async () => {
    setLaunched("");
    let parsed: Record<string, unknown> | undefined;
    if (data.trim()) {
      try {
        parsed = JSON.parse(data) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${t("invalidJson")}: ${(e as Error).message}`, { cause: e });
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(t("boDataObject"));
    }
    const r = await api<{ entered: boolean | number }>("POST", `${projectPath(projectId)}/campaigns/${encodeURIComponent(chosen)}/entries`, { contact: contact.id, ...(parsed ? { data: parsed } : {}) });
    setLaunched(r.entered ? t("boLaunched") : t("boNotEntered"));
    onLaunched();
    // The engine runs the journey in the background: read the timeline again as it moves.
    for (const ms of [500, 1500, 3000, 6000]) setTimeout(onLaunched, ms);
  });
  const setStatus = (action: "deactivate" | "reactivate") => run(async () => onChanged(await api<ContactView>("POST", `${base}/${action}`)));
  const erase = () => run(async () => {
    await api("DELETE", base);
    onErased();
  });
  return (
    <section className="bo-section" data-testid="profile-actions">
      <h2>{t("boActions")}</h2>
      <div className="bo-launch">
        <label>{t("boLaunchCampaign")}
          <select data-testid="launch-campaign" value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">{campaigns === null ? t("loading") : campaigns.length === 0 ? t("boNoApiCampaign") : "—"}</option>
            {campaigns?.map((c) => <option key={c.id} value={c.id}>{c.name || c.id}</option>)}
          </select>
        </label>
        <label>{t("boLaunchData")}
          <textarea rows={3} data-testid="launch-data" placeholder='{ "orderId": "A-123" }' value={data} onChange={(e) => setData(e.target.value)} />
        </label>
        <div className="row">
          <button className="primary" data-testid="launch" disabled={!chosen || busy || contact.status !== "active"} onClick={() => void launch()}>{t("boLaunch")}</button>
          {launched && <span role="status" data-testid="launch-result">{launched}</span>}
        </div>
      </div>
      <div className="row bo-danger-zone">
        {contact.status === "active"
          ? <button data-testid="deactivate" onClick={() => void setStatus("deactivate")}>{t("boDeactivate")}</button>
          : <button data-testid="reactivate" onClick={() => void setStatus("reactivate")}>{t("boReactivate")}</button>}
        <button className="danger" data-testid="erase" onClick={() => setConfirm("")}>{t("boErase")}</button>
      </div>
      {confirm !== null && (
        <div className="bo-confirm" role="dialog" aria-label={t("boErase")}>
          <p>{t("boEraseWarning")}</p>
          <label>{t("boTypeToConfirm")} <code>{contact.id}</code>
            <input data-testid="erase-confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          </label>
          <div className="row">
            <button className="danger" data-testid="erase-go" disabled={confirm.trim().toLowerCase() !== contact.id.toLowerCase()} onClick={() => void erase()}>{t("boEraseForGood")}</button>
            <button onClick={() => setConfirm(null)}>{t("cancel")}</button>
          </div>
        </div>
      )}
      <ErrorLine error={error} />
    </section>
  );
}
