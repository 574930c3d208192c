import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ProjectConfig, Rule } from "../../../src/model/index.js";
import { api } from "../api.js";
import { useT, type StringKey } from "../i18n.js";
import { EXTRA_COLUMNS, loadColumns, saveColumns, toggleColumn } from "./columns.js";
import { RuleBuilder } from "./rule-builder.js";
import { combineRules, freeTextRule } from "./rule-state.js";
import { ErrorLine, fmtTime, projectPath } from "./shared.js";

export interface ContactView {
  id: string;
  status: "active" | "deactivated";
  createdAt: number;
  fields: Record<string, unknown>;
  subscriptions: Record<string, { subscribed: boolean; at: number | null; source: string | null }>;
  groups: string[];
}
interface Page { contacts: ContactView[]; next: string | null; total?: number }

const PAGE_SIZE = 50;

function cell(c: ContactView, col: string, lang: "fr" | "en"): string {
  if (col === "status") return c.status;
  if (col === "createdAt") return fmtTime(c.createdAt, lang);
  if (col === "groups") return c.groups.join(", ");
  const v = c.fields[col];
  return v === undefined || v === null ? "" : typeof v === "boolean" ? (v ? "✓" : "✗") : String(v);
}

/**
 * The contact list: free-text search (unique key, email, names), an advanced rule, a status
 * filter, the columns the user picked, and keyset paging (cursor of the last id, so page 20,000
 * costs what page 1 does).
 */
export function ContactList({ projectId, config, onOpen }: { projectId: string; config: ProjectConfig; onOpen: (id: string) => void }) {
  const { t, lang } = useT();
  const keyField = config.fields.find((f) => f.category === "uniqueKey")?.key ?? "id";
  const available = useMemo(() => [...config.fields.filter((f) => f.category !== "uniqueKey").map((f) => f.key), ...EXTRA_COLUMNS], [config]);
  const defaults = useMemo(() => [...config.fields.filter((f) => /first|last|name|nom|prenom/i.test(f.key)).map((f) => f.key), "status"], [config]);
  const [columns, setColumns] = useState<string[]>(() => loadColumns(projectId, available, defaults));
  useEffect(() => setColumns(loadColumns(projectId, available, defaults)), [projectId, available, defaults]);
  const [text, setText] = useState("");
  const [advanced, setAdvanced] = useState(false);
  const [rule, setRule] = useState<Rule | undefined>(undefined);
  const [status, setStatus] = useState<"" | "active" | "deactivated">("");
  const [query, setQuery] = useState<{ rule?: Rule; status?: string }>({});
  // Cursors of the pages before the current one: "previous" pops one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState("");

  // Only the latest request may fill the list: an earlier, slower answer must not overwrite it.
  const seq = useRef(0);
  const load = useCallback(async (cursor: string | undefined) => {
    const mine = ++seq.current;
    setError("");
    try {
      const p = query.rule
        ? await api<Page>("POST", `${projectPath(projectId)}/contacts/search`, { rule: query.rule, limit: PAGE_SIZE, ...(query.status ? { status: query.status } : {}), ...(cursor ? { cursor } : {}) })
        : await api<Page>("GET", `${projectPath(projectId)}/contacts?limit=${PAGE_SIZE}${query.status ? `&status=${query.status}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (mine === seq.current) setPage(p);
    } catch (e) {
      if (mine === seq.current) setError((e as Error).message);
    }
  }, [projectId, query]);
  useEffect(() => void load(cursors.at(-1)), [load, cursors]);

  const search = () => {
    setCursors([undefined]);
    setQuery({ rule: combineRules(freeTextRule(text, config.fields), advanced ? rule : undefined), ...(status ? { status } : {}) });
  };
  const setCols = (next: string[]) => {
    setColumns(next);
    saveColumns(projectId, next);
  };
  const pageNo = cursors.length;
  return (
    <div className="bo-contacts">
      <form className="bo-search" onSubmit={(e) => { e.preventDefault(); search(); }}>
        <input type="search" name="q" data-testid="contact-search" placeholder={t("boSearchContacts")} value={text} onChange={(e) => setText(e.target.value)} />
        <select aria-label={t("status")} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="">{t("boAllStatuses")}</option>
          <option value="active">{t("boStatus_active")}</option>
          <option value="deactivated">{t("boStatus_deactivated")}</option>
        </select>
        <button type="submit" className="primary" data-testid="contact-search-go">{t("boSearch")}</button>
        <label className="check"><input type="checkbox" data-testid="advanced-toggle" checked={advanced} onChange={(e) => setAdvanced(e.target.checked)} /> {t("boAdvancedSearch")}</label>
        <span className="grow" />
        <details className="bo-columns" data-testid="column-picker">
          <summary>{t("boColumns")}</summary>
          <div className="bo-popover">
            {available.map((c) => (
              <label key={c} className="check"><input type="checkbox" name={`col-${c}`} checked={columns.includes(c)} onChange={(e) => setCols(toggleColumn(columns, c, e.target.checked, available))} /> {EXTRA_COLUMNS.includes(c as never) ? t(`boCol_${c}` as StringKey) : c}</label>
            ))}
          </div>
        </details>
      </form>
      {advanced && (
        <div className="bo-card">
          <RuleBuilder value={rule} onChange={setRule} config={config} testId="search-rule" />
        </div>
      )}
      <ErrorLine error={error} />
      <div className="bo-table-wrap">
        <table className="list bo-list" data-testid="contact-list">
          <thead><tr><th>{keyField}</th>{columns.map((c) => <th key={c}>{EXTRA_COLUMNS.includes(c as never) ? t(`boCol_${c}` as StringKey) : c}</th>)}</tr></thead>
          <tbody>
            {page?.contacts.map((c) => (
              <tr key={c.id} data-testid={`contact-row-${c.id}`} onClick={() => onOpen(c.id)}>
                <td><a href={`?view=contacts&contact=${encodeURIComponent(c.id)}`} onClick={(e) => e.preventDefault()}>{c.id}</a></td>
                {columns.map((col) => <td key={col}>{col === "status" ? <span className={`status ${c.status === "active" ? "active" : "stopped"}`}>{t(`boStatus_${c.status}`)}</span> : cell(c, col, lang)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page && page.contacts.length === 0 && <p className="muted" data-testid="no-contacts">{t("boNoContacts")}</p>}
      {page === null && !error && <p>{t("loading")}</p>}
      <div className="row bo-pager">
        <button disabled={pageNo <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>← {t("boPrevious")}</button>
        <span className="muted">{t("boPage")} {pageNo}{page?.total !== undefined ? ` · ${page.total.toLocaleString(lang === "fr" ? "fr-CA" : "en-CA")} ${t("boContactsTotal")}` : ""}</span>
        <button data-testid="next-page" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>{t("boNext")} →</button>
      </div>
    </div>
  );
}
