import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { BUILTIN_TEMPLATES, instantiateBuiltin } from "../../src/campaigns/builtin-templates/index.js";
import { api, ApiProblem } from "./api.js";
import { initialLang, LangContext, rememberLang, useT, type Lang, type StringKey } from "./i18n.js";

/** The editor (and @xyflow/react with it) loads on first use, not with the campaign list. */
const Editor = lazy(() => import("./Editor.js").then((m) => ({ default: m.Editor })));
/** So do the other screens: the first page is the campaign list. */
const ApprovalsScreen = lazy(() => import("./screens/Approvals.js").then((m) => ({ default: m.ApprovalsScreen })));
const ContactsScreen = lazy(() => import("./screens/Contacts.js").then((m) => ({ default: m.ContactsScreen })));
const GuideScreen = lazy(() => import("./screens/Guide.js").then((m) => ({ default: m.GuideScreen })));
const ImportsScreen = lazy(() => import("./screens/Imports.js").then((m) => ({ default: m.ImportsScreen })));
const OutboxScreen = lazy(() => import("./screens/Outbox.js").then((m) => ({ default: m.OutboxScreen })));
const SettingsScreen = lazy(() => import("./screens/Settings.js").then((m) => ({ default: m.SettingsScreen })));

export interface Me { user?: { email: string; name: string }; projects: { id: string; name: string; role: string }[] }
export interface ProjectInfo { id: string; name: string; config: any }
interface CampaignRow { id: string; name: string; status: string; activatedAt: number | null; pausedAt: number | null; updatedAt?: number | null; version: number | null; waiting: number }
/** The screens of the top navigation; the current one is `?view=` in the address (campaigns when absent). */
export const VIEWS = ["campaigns", "contacts", "imports", "approvals", "outbox", "settings"] as const;
export type View = (typeof VIEWS)[number];
const VIEW_LABELS: Record<View, { fr: string; en: string }> = {
  campaigns: { fr: "Campagnes", en: "Campaigns" },
  contacts: { fr: "Contacts", en: "Contacts" },
  imports: { fr: "Importations", en: "Imports" },
  approvals: { fr: "Approbations", en: "Approvals" },
  outbox: { fr: "Boîte d'envoi", en: "Outbox" },
  settings: { fr: "Paramètres", en: "Settings" },
};
function initialView(): View {
  const v = new URLSearchParams(location.search).get("view");
  return (VIEWS as readonly string[]).includes(v ?? "") ? (v as View) : "campaigns";
}

interface RowStats { entered: number; successRate: number | null }

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    rememberLang(l);
    setLangState(l);
  }, []);
  useEffect(() => rememberLang(lang), [lang]);
  return (
    <LangContext.Provider value={{ lang, setLang }}>
      <Shell />
    </LangContext.Provider>
  );
}

function LangSwitch() {
  const { lang, setLang } = useT();
  return (
    <button className="lang" data-testid="lang-switch" onClick={() => setLang(lang === "fr" ? "en" : "fr")}>
      {lang === "fr" ? "English" : "Français"}
    </button>
  );
}

function Shell() {
  const { t, lang } = useT();
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [campaignId, setCampaignId] = useState<string | null>(() => new URLSearchParams(location.search).get("campaign"));
  const [view, setView] = useState<View>(initialView);

  const loadMe = useCallback(() => api<Me>("GET", "/auth/me").then(setMe, () => setMe(null)), []);
  useEffect(() => void loadMe(), [loadMe]);

  const pickProject = useCallback(async (id: string) => {
    const p = await api<ProjectInfo>("GET", `/projects/${encodeURIComponent(id)}`);
    localStorage.setItem("relais.project", id);
    setProject(p);
  }, []);
  useEffect(() => {
    if (!me || project) return;
    const remembered = localStorage.getItem("relais.project");
    const first = me.projects.find((p) => p.id === remembered) ?? me.projects[0];
    if (first) void pickProject(first.id);
  }, [me, project, pickProject]);

  if (location.pathname.replace(/\/+$/, "") === "/guide") return <Suspense fallback={<div className="center">…</div>}><GuideScreen /></Suspense>;
  if (me === undefined) return <div className="center">{t("loading")}</div>;
  if (me === null) return <Login onDone={loadMe} />;
  const open = (id: string | null) => {
    setCampaignId(id);
    setView("campaigns");
    history.replaceState(null, "", id ? `?campaign=${id}` : "/");
  };
  const go = (v: View) => {
    setCampaignId(null);
    setView(v);
    history.replaceState(null, "", v === "campaigns" ? "/" : `?view=${v}`);
  };
  return (
    <div className="app">
      <header className="topbar">
        <strong className="brand">Relais</strong>
        <label>
          {t("project")}{" "}
          <select data-testid="project-picker" value={project?.id ?? ""} onChange={(e) => void pickProject(e.target.value).then(() => open(null))}>
            {me.projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <nav className="views" aria-label="Sections">
          {VIEWS.map((v) => (
            <button key={v} data-testid={`nav-${v}`} className={view === v && !campaignId ? "on" : ""} aria-current={view === v && !campaignId ? "page" : undefined} onClick={() => go(v)}>
              {VIEW_LABELS[v][lang]}
            </button>
          ))}
          <a className="button" href="/guide" target="_blank" rel="noopener">Guide</a>
        </nav>
        <span className="grow" />
        <span className="muted">{me.user?.email}</span>
        <LangSwitch />
        <button onClick={() => void api("POST", "/auth/logout").then(() => setMe(null))}>{t("logOut")}</button>
      </header>
      {project && (
        <Suspense fallback={<div className="center">{t("loading")}</div>}>
          {campaignId
            ? <Editor key={campaignId} project={project} campaignId={campaignId} onClose={() => open(null)} />
            : view === "contacts" ? <ContactsScreen key={project.id} project={project} />
            : view === "imports" ? <ImportsScreen key={project.id} project={project} />
            : view === "approvals" ? <ApprovalsScreen key={project.id} project={project} />
            : view === "outbox" ? <OutboxScreen key={project.id} project={project} />
            : view === "settings" ? <SettingsScreen key={project.id} project={project} />
            : <CampaignList project={project} onOpen={open} />}
        </Suspense>
      )}
    </div>
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const { t } = useT();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  return (
    <div className="center">
      <form className="card login" onSubmit={(e) => {
        e.preventDefault();
        setError("");
        api("POST", "/auth/login", { email, password }).then(onDone, (err: Error) => setError(err.message));
      }}>
        <h1>Relais</h1>
        <h2>{t("signIn")}</h2>
        <label>{t("email")}<input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
        <label>{t("password")}<input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
        {error && <p className="error" role="alert">{error}</p>}
        <button className="primary" type="submit">{t("logIn")}</button>
        <LangSwitch />
      </form>
    </div>
  );
}

function fmtRate(r: number | null | undefined): string {
  return r === null || r === undefined ? "—" : `${Math.round(r * 1000) / 10} %`;
}

function CampaignList({ project, onOpen }: { project: ProjectInfo; onOpen: (id: string) => void }) {
  const { t, lang } = useT();
  const [rows, setRows] = useState<CampaignRow[] | null>(null);
  const [stats, setStats] = useState<Record<string, RowStats>>({});
  const [error, setError] = useState("");
  const base = `/projects/${encodeURIComponent(project.id)}/campaigns`;

  useEffect(() => {
    let live = true;
    api<{ campaigns: CampaignRow[] }>("GET", base).then(async ({ campaigns }) => {
      if (!live) return;
      setRows(campaigns);
      const entries = await Promise.all(campaigns.filter((c) => c.status !== "draft").map(async (c) => {
        const r = await api<any>("GET", `${base}/${c.id}/report`).catch(() => null);
        return [c.id, { entered: r?.journeys ?? 0, successRate: r?.successRate ?? null }] as const;
      }));
      if (live) setStats(Object.fromEntries(entries));
    }, (e: Error) => setError(e.message));
    return () => { live = false; };
  }, [base]);

  const create = async (document: unknown) => {
    try {
      const c = await api<{ id: string }>("POST", base, { document });
      onOpen(c.id);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const importFile = async (file: File) => {
    try {
      const json = JSON.parse(await file.text());
      const c = await api<{ id: string }>("POST", `${base}/import`, json.relais ? json : { relais: "campaign", version: 1, document: json });
      onOpen(c.id);
    } catch (e) {
      setError(e instanceof ApiProblem || e instanceof SyntaxError ? (e as Error).message : String(e));
    }
  };
  const lastChange = (c: CampaignRow) => {
    const at = Math.max(c.updatedAt ?? 0, c.activatedAt ?? 0, c.pausedAt ?? 0);
    return at ? new Date(at).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA") : "—";
  };
  return (
    <main className="page">
      <div className="row">
        <h1>{t("campaigns")}</h1>
        <span className="grow" />
        <button className="primary" data-testid="new-campaign" onClick={() => void create({ name: t("untitled"), elements: [], connections: [] })}>{t("newCampaign")}</button>
        <label className="button">
          {t("importJson")}
          <input type="file" accept=".json,application/json" hidden onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
        </label>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <h2>{t("fromTemplate")}</h2>
      <div className="templates">
        {BUILTIN_TEMPLATES.map((tpl) => (
          <button key={tpl.key} className="template card" data-testid={`template-${tpl.key}`} onClick={() => void create(instantiateBuiltin(tpl, project.config))}>
            <strong>{tpl.label[lang]}</strong>
            <span className="muted">{tpl.description[lang]}</span>
          </button>
        ))}
      </div>
      <table className="list" data-testid="campaign-list">
        <thead><tr><th>{t("name")}</th><th>{t("status")}</th><th>{t("entered")}</th><th>{t("successRate")}</th><th>{t("lastChange")}</th></tr></thead>
        <tbody>
          {rows?.map((c) => (
            <tr key={c.id} onClick={() => onOpen(c.id)} data-testid={`campaign-${c.id}`}>
              <td><a href={`?campaign=${c.id}`} onClick={(e) => e.preventDefault()}>{c.name || c.id}</a></td>
              <td><span className={`status ${c.status}`}>{t(c.status as StringKey)}</span></td>
              <td>{stats[c.id]?.entered ?? (c.status === "draft" ? "—" : "…")}</td>
              <td>{fmtRate(stats[c.id]?.successRate)}</td>
              <td>{lastChange(c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows === null && <p>{t("loading")}</p>}
    </main>
  );
}
