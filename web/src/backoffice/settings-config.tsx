import { useCallback, useEffect, useRef, useState } from "react";
import { CHANNELS, FIELD_TYPES, type ProjectConfig, type Rule } from "../../../src/model/index.js";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import { RuleBuilder } from "./rule-builder.js";
import { ErrorLine, fmtTime, projectPath, useAction } from "./shared.js";

export interface SectionProps { projectId: string; config: ProjectConfig; reload: () => Promise<void> }

/** A delete button that asks once (the key is named) before calling the API. */
function DeleteButton({ what, onDelete }: { what: string; onDelete: () => Promise<unknown> }) {
  const { t } = useT();
  const [ask, setAsk] = useState(false);
  return ask
    ? <span className="bo-inline"><button className="danger" data-testid={`confirm-delete-${what}`} onClick={() => void onDelete().finally(() => setAsk(false))}>{t("boConfirmDelete")} {what}</button><button onClick={() => setAsk(false)}>{t("cancel")}</button></span>
    : <button data-testid={`delete-${what}`} onClick={() => setAsk(true)}>{t("boDelete")}</button>;
}

export function FieldsSection({ projectId, config, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [key, setKey] = useState("");
  const [type, setType] = useState<(typeof FIELD_TYPES)[number]>("text");
  const [category, setCategory] = useState("general");
  const base = `${projectPath(projectId)}/fields`;
  const add = () => run(async () => {
    await api("POST", base, { key, type, category });
    setKey("");
    await reload();
  });
  return (
    <section className="bo-section" data-testid="settings-fields">
      <h2>{t("boFields")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boType")}</th><th>{t("boCategory")}</th><th /></tr></thead>
        <tbody>{config.fields.map((f) => (
          <tr key={f.key} data-testid={`field-${f.key}`}>
            <td><code>{f.key}</code></td><td>{f.type}</td>
            <td>{f.category === "uniqueKey"
              ? <span className="bo-badge" title={t("boUniqueKeyFixed")}>{t("boCat_uniqueKey")} · {t("boFixed")}</span>
              : (
                <select aria-label={t("boCategory")} value={f.category} onChange={(e) => void run(async () => { await api("PATCH", `${base}/${encodeURIComponent(f.key)}`, { category: e.target.value }); await reload(); })}>
                  {["general", "administrative", "subscription"].map((c) => <option key={c} value={c}>{t(`boCat_${c}` as never)}</option>)}
                </select>
              )}</td>
            <td>{f.category !== "uniqueKey" && <DeleteButton what={f.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(f.key)}`); await reload(); })} />}</td>
          </tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <input name="field-key" placeholder={t("boKey")} value={key} onChange={(e) => setKey(e.target.value)} required />
        <select name="field-type" aria-label={t("boType")} value={type} onChange={(e) => setType(e.target.value as typeof type)}>{FIELD_TYPES.map((x) => <option key={x}>{x}</option>)}</select>
        <select name="field-category" aria-label={t("boCategory")} value={category} onChange={(e) => setCategory(e.target.value)}>
          {["general", "administrative", "subscription"].map((c) => <option key={c} value={c}>{t(`boCat_${c}` as never)}</option>)}
        </select>
        <button type="submit" className="primary">{t("add")}</button>
      </form>
      <p className="small muted">{t("boFieldsHelp")}</p>
      <ErrorLine error={error} />
    </section>
  );
}

export function CommunicationTypesSection({ projectId, config, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [key, setKey] = useState("");
  const [channel, setChannel] = useState<(typeof CHANNELS)[number]>("email");
  const [administrative, setAdministrative] = useState(false);
  const base = `${projectPath(projectId)}/communication-types`;
  return (
    <section className="bo-section" data-testid="settings-communication-types">
      <h2>{t("boCommunicationTypes")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boChannel")}</th><th>{t("boAdministrative")}</th><th /></tr></thead>
        <tbody>{config.communicationTypes.map((c) => (
          <tr key={c.key}><td><code>{c.key}</code></td><td>{c.channel}</td><td>{c.administrative ? t("boYes") : t("boNo")}</td>
            <td><DeleteButton what={c.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(c.key)}`); await reload(); })} /></td></tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void run(async () => { await api("POST", base, { key, channel, administrative }); setKey(""); await reload(); }); }}>
        <input name="ct-key" placeholder={t("boKey")} value={key} onChange={(e) => setKey(e.target.value)} required />
        <select aria-label={t("boChannel")} value={channel} onChange={(e) => setChannel(e.target.value as typeof channel)}>{CHANNELS.map((x) => <option key={x}>{x}</option>)}</select>
        <label className="check"><input type="checkbox" checked={administrative} onChange={(e) => setAdministrative(e.target.checked)} /> {t("boAdministrative")}</label>
        <button type="submit" className="primary">{t("add")}</button>
      </form>
      <p className="small muted">{t("boAdministrativeHelp")}</p>
      <ErrorLine error={error} />
    </section>
  );
}

export function GroupsSection({ projectId, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [groups, setGroups] = useState<{ key: string; members: number }[]>([]);
  const [key, setKey] = useState("");
  const base = `${projectPath(projectId)}/groups`;
  const load = useCallback(() => api<{ groups: { key: string; members: number }[] }>("GET", base).then((r) => setGroups(r.groups)), [base]);
  useEffect(() => void load().catch(() => undefined), [load]);
  const after = async () => { await load(); await reload(); };
  return (
    <section className="bo-section" data-testid="settings-groups">
      <h2>{t("boGroups")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boMembers")}</th><th /></tr></thead>
        <tbody>{groups.map((g) => (
          <tr key={g.key}><td><code>{g.key}</code></td><td>{g.members}</td>
            <td><DeleteButton what={g.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(g.key)}`); await after(); })} /></td></tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void run(async () => { await api("POST", base, { key }); setKey(""); await after(); }); }}>
        <input name="group-key" placeholder={t("boKey")} value={key} onChange={(e) => setKey(e.target.value)} required />
        <button type="submit" className="primary">{t("add")}</button>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}

/** The live count of a rule being written: asked half a second after the last change. */
function useLiveCount(projectId: string, rule: Rule | undefined): { count: number | null; problem: string } {
  const [count, setCount] = useState<number | null>(null);
  const [problem, setProblem] = useState("");
  const seq = useRef(0);
  const json = JSON.stringify(rule ?? null);
  useEffect(() => {
    const mine = ++seq.current;
    if (!rule) { setCount(null); setProblem(""); return; }
    const timer = setTimeout(() => {
      api<{ count: number }>("POST", `${projectPath(projectId)}/personas/count`, { rule }).then(
        (r) => { if (mine === seq.current) { setCount(r.count); setProblem(""); } },
        (e: Error) => { if (mine === seq.current) { setCount(null); setProblem(e.message); } },
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [projectId, json]);
  return { count, problem };
}

export function PersonasSection({ projectId, config, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [personas, setPersonas] = useState<{ key: string; rule: Rule; count: number }[]>([]);
  const [editing, setEditing] = useState<{ key: string; rule: Rule | undefined; isNew: boolean } | null>(null);
  const base = `${projectPath(projectId)}/personas`;
  const load = useCallback(() => api<{ personas: { key: string; rule: Rule; count: number }[] }>("GET", base).then((r) => setPersonas(r.personas)), [base]);
  useEffect(() => void load().catch(() => undefined), [load]);
  const live = useLiveCount(projectId, editing?.rule);
  const save = () => run(async () => {
    if (!editing?.rule) throw new Error(t("boRuleNeeded"));
    if (editing.isNew) await api("POST", base, { key: editing.key, rule: editing.rule });
    else await api("PUT", `${base}/${encodeURIComponent(editing.key)}`, { rule: editing.rule });
    setEditing(null);
    await load();
    await reload();
  });
  return (
    <section className="bo-section" data-testid="settings-personas">
      <div className="row"><h2>{t("boPersonas")}</h2><span className="grow" />
        <button className="primary" data-testid="new-persona" onClick={() => setEditing({ key: "", rule: undefined, isNew: true })}>{t("boNewPersona")}</button></div>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("rule")}</th><th>{t("boContactsCount")}</th><th /></tr></thead>
        <tbody>{personas.map((p) => (
          <tr key={p.key} data-testid={`persona-${p.key}`}>
            <td><code>{p.key}</code></td><td><code className="bo-rule-text">{JSON.stringify(p.rule)}</code></td><td data-testid={`persona-count-${p.key}`}>{p.count}</td>
            <td className="bo-nowrap"><button onClick={() => setEditing({ key: p.key, rule: p.rule, isNew: false })}>{t("boEdit")}</button>
              <DeleteButton what={p.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(p.key)}`); await load(); await reload(); })} /></td>
          </tr>
        ))}</tbody>
      </table>
      {editing && (
        <form className="bo-card" data-testid="persona-editor" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <label>{t("boKey")}<input name="persona-key" value={editing.key} disabled={!editing.isNew} onChange={(e) => setEditing({ ...editing, key: e.target.value })} required /></label>
          <RuleBuilder key={editing.isNew ? "new" : editing.key} value={editing.rule} onChange={(rule) => setEditing((old) => (old ? { ...old, rule } : old))} config={config} testId="persona-rule" />
          <p className="bo-live-count" data-testid="persona-live-count" aria-live="polite">
            {live.problem ? <span className="error">{live.problem}</span> : live.count === null ? t("boCountHint") : `${live.count.toLocaleString()} ${t("boMatchingContacts")}`}
          </p>
          <div className="row">
            <button type="submit" className="primary" data-testid="save-persona">{t("save")}</button>
            <button type="button" onClick={() => setEditing(null)}>{t("cancel")}</button>
          </div>
        </form>
      )}
      <ErrorLine error={error} />
    </section>
  );
}

export function TablesSection({ projectId, config, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [key, setKey] = useState("");
  const [columns, setColumns] = useState("");
  const base = `${projectPath(projectId)}/tables`;
  // "sku:text, amount:number": the compact way to type columns.
  const parseColumns = (s: string) => s.split(",").map((c) => c.trim()).filter(Boolean).map((c) => {
    const [k, ty] = c.split(":").map((x) => x.trim());
    return { key: k!, type: ty || "text" };
  });
  return (
    <section className="bo-section" data-testid="settings-tables">
      <h2>{t("boProfilingTables")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boColumns")}</th><th>{t("boTableSite")}</th><th /></tr></thead>
        <tbody>{config.tables.map((tb) => (
          <tr key={tb.key}><td><code>{tb.key}</code></td><td>{tb.columns.map((c) => `${c.key}:${c.type}`).join(", ")}</td>
            <td>
              <input type="checkbox" checked={tb.site === true} aria-label={`${t("boTableSite")} — ${tb.key}`} data-testid={`table-site-${tb.key}`}
                onChange={(e) => void run(async () => { await api("PUT", `${base}/${encodeURIComponent(tb.key)}`, { columns: tb.columns, site: e.target.checked }); await reload(); })} />
            </td>
            <td><DeleteButton what={tb.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(tb.key)}`); await reload(); })} /></td></tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void run(async () => { await api("POST", base, { key, columns: parseColumns(columns) }); setKey(""); setColumns(""); await reload(); }); }}>
        <input name="table-key" placeholder={t("boKey")} value={key} onChange={(e) => setKey(e.target.value)} required />
        <input name="table-columns" className="grow" placeholder="sku:text, amount:number, date:date" value={columns} onChange={(e) => setColumns(e.target.value)} required />
        <button type="submit" className="primary">{t("add")}</button>
      </form>
      <p className="small muted">{t("boColumnsHelp")} {FIELD_TYPES.join(", ")}</p>
      <p className="small muted">{t("boTableSiteHelp")}</p>
      <ErrorLine error={error} />
    </section>
  );
}

interface Bank { key: string; stock: number; granted: number; expiresAt: string | null; expired: boolean; lowStockThreshold: number | null; lowStock: boolean }

export function PromoBanksSection({ projectId, reload }: SectionProps) {
  const { t, lang } = useT();
  const { error, run } = useAction();
  const [banks, setBanks] = useState<Bank[]>([]);
  const [key, setKey] = useState("");
  const [expires, setExpires] = useState("");
  const [threshold, setThreshold] = useState("");
  const [codesFor, setCodesFor] = useState<string | null>(null);
  const [codes, setCodes] = useState("");
  const [added, setAdded] = useState("");
  const base = `${projectPath(projectId)}/promo-banks`;
  const load = useCallback(() => api<{ promoBanks: Bank[] }>("GET", base).then((r) => setBanks(r.promoBanks)), [base]);
  useEffect(() => void load().catch(() => undefined), [load]);
  const create = () => run(async () => {
    await api("POST", base, { key, ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}), ...(threshold ? { lowStockThreshold: Number(threshold) } : {}) });
    setKey(""); setExpires(""); setThreshold("");
    await load();
    await reload();
  });
  const addCodes = (bank: string) => run(async () => {
    const list = codes.split(/[\r\n,;]+/).map((c) => c.trim()).filter(Boolean);
    const r = await api<{ added: number; duplicates?: number }>("POST", `${base}/${encodeURIComponent(bank)}/codes`, { codes: list });
    setAdded(`${r.added} ${t("boCodesAdded")}${r.duplicates ? ` · ${r.duplicates} ${t("boDuplicates")}` : ""}`);
    setCodes("");
    await load();
  });
  return (
    <section className="bo-section" data-testid="settings-promo-banks">
      <h2>{t("boPromoBanks")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boStock")}</th><th>{t("boGranted")}</th><th>{t("boExpires")}</th><th>{t("boLowStockAlert")}</th><th /></tr></thead>
        <tbody>{banks.map((b) => (
          <tr key={b.key}>
            <td><code>{b.key}</code></td>
            <td>{b.stock}{b.lowStock && <span className="bo-badge bo-warn"> {t("boLowStock")}</span>}</td><td>{b.granted}</td>
            <td>{b.expiresAt ? fmtTime(Date.parse(b.expiresAt), lang) : "—"}{b.expired && <span className="bo-badge bo-warn"> {t("boExpired")}</span>}</td>
            <td>{b.lowStockThreshold ?? "—"}</td>
            <td className="bo-nowrap"><button onClick={() => { setCodesFor(b.key); setAdded(""); }}>{t("boImportCodes")}</button>
              <DeleteButton what={b.key} onDelete={() => run(async () => { await api("DELETE", `${base}/${encodeURIComponent(b.key)}`); await load(); await reload(); })} /></td>
          </tr>
        ))}</tbody>
      </table>
      {codesFor && (
        <div className="bo-card">
          <label>{t("boCodesFor")} <code>{codesFor}</code>
            <textarea rows={5} value={codes} placeholder={"SPRING-001\nSPRING-002"} onChange={(e) => setCodes(e.target.value)} />
          </label>
          <label className="bo-inline">{t("boOrFile")} <input type="file" accept=".txt,.csv,text/plain,text/csv" onChange={(e) => { const f = e.target.files?.[0]; if (f) void f.text().then(setCodes); }} /></label>
          <div className="row"><button className="primary" disabled={!codes.trim()} onClick={() => void addCodes(codesFor)}>{t("add")}</button><button onClick={() => setCodesFor(null)}>{t("boClose")}</button>{added && <span role="status">{added}</span>}</div>
        </div>
      )}
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void create(); }}>
        <input name="bank-key" placeholder={t("boKey")} value={key} onChange={(e) => setKey(e.target.value)} required />
        <label className="bo-inline">{t("boExpires")}<input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} /></label>
        <label className="bo-inline">{t("boLowStockAlert")}<input type="number" min={0} value={threshold} onChange={(e) => setThreshold(e.target.value)} /></label>
        <button type="submit" className="primary">{t("add")}</button>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}
