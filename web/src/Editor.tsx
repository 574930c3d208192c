import {
  addEdge, Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useEdgesState, useNodesState, useReactFlow,
  type Connection as FlowConnection, type Edge, type IsValidConnection,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  CATALOG, FAMILIES, FAMILY_LABELS, isError, ProjectConfig, validateCampaign, type CampaignDocument, type Finding,
} from "../../src/model/index.js";
import { api, ApiProblem } from "./api.js";
import type { ProjectInfo } from "./App.js";
import { autoLayout, edgeOf, newId, refusal, toDoc, toFlow, type ElementNode } from "./graph.js";
import { useT, type StringKey } from "./i18n.js";
import { CanvasContext, NODE_TYPES, type CanvasInfo } from "./nodes.js";
import { Properties } from "./Properties.js";
import { ReportPanel, type Report } from "./report/ReportPanel.js";
import { pathOf } from "./simulation/scenario.js";
import { SimulationPanel } from "./simulation/SimulationPanel.js";

interface CampaignOut { id: string; name: string; status: string; version: number | null; document: CampaignDocument; findings: Finding[]; winners?: Record<string, string> }

/** How often the open report refreshes itself (ms). */
const REPORT_REFRESH_MS = 4000;
type Snapshot = { nodes: ElementNode[]; edges: Edge[] };

export function Editor(props: { project: ProjectInfo; campaignId: string; onClose: () => void }) {
  return <ReactFlowProvider><EditorInner {...props} /></ReactFlowProvider>;
}

function EditorInner({ project, campaignId, onClose }: { project: ProjectInfo; campaignId: string; onClose: () => void }) {
  const { t, lang } = useT();
  const base = `/projects/${encodeURIComponent(project.id)}/campaigns/${encodeURIComponent(campaignId)}`;
  const config = useMemo(() => ProjectConfig.parse(project.config ?? {}), [project]);
  const flow = useReactFlow<ElementNode, Edge>();
  const [campaign, setCampaign] = useState<CampaignOut | null>(null);
  const [nodes, setNodes, onNodesChange] = useNodesState<ElementNode>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const [name, setName] = useState("");
  /** The document as last saved (or loaded): what "unsaved changes" compares with. */
  const [savedJson, setSavedJson] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [toast, setToast] = useState("");
  const [help, setHelp] = useState(false);
  const [resumeAsk, setResumeAsk] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [simOpen, setSimOpen] = useState(false);
  const [sim, setSim] = useState<any>(null);
  /** The contact whose simulated path is highlighted on the canvas. */
  const [simPath, setSimPath] = useState<string | null>(null);
  const [versions, setVersions] = useState<{ version: number; publishedAt: number }[] | null>(null);
  const past = useRef<Snapshot[]>([]);
  const future = useRef<Snapshot[]>([]);
  const clipboard = useRef<Snapshot | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);

  const say = useCallback((text: string) => {
    setToast(text);
    window.setTimeout(() => setToast((cur) => (cur === text ? "" : cur)), 4000);
  }, []);

  const load = useCallback(async () => {
    const c = await api<CampaignOut>("GET", `${base}?lang=${lang}`);
    setCampaign(c);
    setName(c.document.name);
    const f = toFlow(c.document);
    const needsLayout = c.document.elements.some((e) => !e.position);
    setNodes(needsLayout ? autoLayout(f.nodes, f.edges) : f.nodes);
    setEdges(f.edges);
    setSavedJson(null);
    window.setTimeout(() => void flow.fitView({ padding: 0.2 }), 50);
  }, [base, lang, flow, setNodes, setEdges]);
  useEffect(() => { void load().catch((e: Error) => say(e.message)); }, [base]);

  const editable = campaign !== null && campaign.status !== "stopped";
  const doc = useMemo(() => campaign ? toDoc({ ...campaign.document, name }, nodes, edges) : null, [campaign, name, nodes, edges]);
  const docJson = useMemo(() => (doc ? JSON.stringify(doc) : ""), [doc]);
  useEffect(() => {
    if (savedJson === null && doc) setSavedJson(docJson);
  }, [savedJson, doc, docJson]);
  const dirty = savedJson !== null && docJson !== savedJson;
  const saveState = saving ? "saving" : dirty ? "unsaved" : "saved";
  const findings = useMemo(() => doc ? validateCampaign(doc, config, { lang }) : [], [doc, config, lang]);
  const errorCount = findings.filter(isError).length;
  const byElement = useMemo(() => {
    const m = new Map<string, Finding[]>();
    for (const f of findings) if (f.element) m.set(f.element, [...(m.get(f.element) ?? []), f]);
    return m;
  }, [findings]);
  const highlighted = useMemo(
    () => (sim && simPath && doc ? pathOf(sim.journeys?.find((j: { contact: string }) => j.contact === simPath), doc) : null),
    [sim, simPath, doc],
  );
  const canvasInfo: CanvasInfo = useMemo(
    () => ({ findings: byElement, report: sim?.elements ?? report?.elements ?? null, path: highlighted?.elements ?? null }),
    [byElement, report, sim, highlighted],
  );
  // The highlighted path's connections are drawn apart (derived: the stored edges stay as they are).
  const shownEdges = useMemo(
    () => (highlighted ? edges.map((e) => (highlighted.connections.has(e.id) ? { ...e, animated: true, className: `${e.className ?? ""} on-path`, zIndex: 1 } : e)) : edges),
    [edges, highlighted],
  );

  // History: a snapshot before every change the user can undo.
  const snapshot = useCallback(() => {
    past.current.push({ nodes: flow.getNodes(), edges: flow.getEdges() });
    if (past.current.length > 100) past.current.shift();
    future.current = [];
  }, [flow]);
  const restore = (from: Snapshot[], to: Snapshot[]) => {
    const s = from.pop();
    if (!s) return;
    to.push({ nodes: flow.getNodes(), edges: flow.getEdges() });
    setNodes(s.nodes);
    setEdges(s.edges);
  };
  const undo = () => restore(past.current, future.current);
  const redo = () => restore(future.current, past.current);

  const save = useCallback(async (): Promise<boolean> => {
    if (!doc || !campaign || campaign.status === "stopped") return false;
    // What is sent is what counts as saved: a change made meanwhile stays unsaved and is saved next.
    const json = docJson;
    setSaving(true);
    try {
      const c = await api<CampaignOut>("PUT", `${base}?lang=${lang}`, { document: JSON.parse(json) });
      setCampaign((prev) => prev ? { ...prev, status: c.status, version: c.version, findings: c.findings } : c);
      setSavedJson(json);
      return true;
    } catch (e) {
      say((e as Error).message);
      return false;
    } finally {
      setSaving(false);
    }
  }, [doc, docJson, campaign, base, lang, say]);

  // Drafts save themselves a second after the last change; a running campaign publishes on request.
  useEffect(() => {
    if (!dirty || campaign?.status !== "draft") return;
    const timer = window.setTimeout(() => void save(), 1000);
    return () => window.clearTimeout(timer);
  }, [dirty, docJson, campaign?.status, save]);

  const lifecycle = async (action: "activate" | "pause" | "stop" | "resume", body?: unknown) => {
    if (action === "stop" && !window.confirm(t("confirmStop"))) return;
    if (dirty && !(await save())) return;
    try {
      const c = await api<CampaignOut>("POST", `${base}/${action}?lang=${lang}`, body);
      setCampaign((prev) => prev ? { ...prev, status: c.status, version: c.version } : prev);
    } catch (e) {
      say(e instanceof ApiProblem && e.body?.findings ? e.body.findings.map((f: Finding) => f.message).join(" · ") : (e as Error).message);
    }
  };

  const isValidConnection: IsValidConnection<Edge> = useCallback((c) => refusal(flow.getNodes(), flow.getEdges(), c) === undefined, [flow]);
  const onConnect = useCallback((c: FlowConnection) => {
    const why = refusal(flow.getNodes(), flow.getEdges(), c);
    if (why) return say(t(why));
    snapshot();
    setEdges((es) => addEdge(edgeOf({ from: c.source, exit: c.sourceHandle ?? "next", to: c.target }), es));
  }, [flow, say, t, snapshot, setEdges]);
  const onConnectEnd = useCallback((_: unknown, state: { isValid: boolean | null; fromNode: { id: string } | null; fromHandle: { id?: string | null } | null; toNode: { id: string } | null }) => {
    if (state.isValid === false && state.toNode && state.fromNode) {
      const why = refusal(flow.getNodes(), flow.getEdges(), { source: state.fromNode.id, target: state.toNode.id, sourceHandle: state.fromHandle?.id ?? null });
      if (why) say(t(why));
    }
  }, [flow, say, t]);

  const addElement = useCallback((type: string, position: { x: number; y: number }) => {
    snapshot();
    const taken = new Set(flow.getNodes().map((n) => n.id));
    const id = newId(type, taken);
    const node: ElementNode = {
      id, type: type === "note" ? "note" : "element", position, selected: true,
      data: { type, params: type === "note" ? { text: "" } : {} },
      ...(type === "note" ? { width: 200, height: 120 } : {}),
    };
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), node]);
  }, [flow, snapshot, setNodes]);

  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    const type = e.dataTransfer.getData("application/relais-element");
    if (!type || !editable) return;
    addElement(type, flow.screenToFlowPosition({ x: e.clientX - 100, y: e.clientY - 20 }));
  };

  const layout = () => {
    snapshot();
    setNodes((ns) => autoLayout(ns, flow.getEdges()));
    window.setTimeout(() => void flow.fitView({ padding: 0.2 }), 50);
  };

  const copy = () => {
    const sel = flow.getNodes().filter((n) => n.selected);
    const ids = new Set(sel.map((n) => n.id));
    clipboard.current = { nodes: sel, edges: flow.getEdges().filter((e) => ids.has(e.source) && ids.has(e.target)) };
  };
  const paste = () => {
    const clip = clipboard.current;
    if (!clip || clip.nodes.length === 0) return;
    snapshot();
    const taken = new Set(flow.getNodes().map((n) => n.id));
    const rename = new Map<string, string>();
    for (const n of clip.nodes) {
      const id = newId(n.data.type, taken);
      taken.add(id);
      rename.set(n.id, id);
    }
    const added = clip.nodes.map((n) => ({ ...n, id: rename.get(n.id)!, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 }, data: structuredClone(n.data) }));
    const addedEdges = clip.edges.map((e) => edgeOf({ from: rename.get(e.source)!, exit: e.sourceHandle ?? "next", to: rename.get(e.target)! }));
    setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), ...added]);
    setEdges((es) => [...es, ...addedEdges]);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (el.closest("input, textarea, select, [contenteditable]")) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "z" && !e.shiftKey) { e.preventDefault(); undo(); }
      else if (mod && (e.key.toLowerCase() === "y" || (e.key.toLowerCase() === "z" && e.shiftKey))) { e.preventDefault(); redo(); }
      else if (mod && e.key.toLowerCase() === "c") copy();
      else if (mod && e.key.toLowerCase() === "v") paste();
      else if (mod && e.key.toLowerCase() === "s") { e.preventDefault(); void save(); }
      else if (!mod && e.key === "?") setHelp((h) => !h);
      else if (!mod && e.key.toLowerCase() === "l") layout();
      else if (!mod && e.key.toLowerCase() === "f") void flow.fitView({ padding: 0.2 });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const focus = (id: string) => {
    const n = flow.getNode(id);
    if (!n) return;
    setNodes((ns) => ns.map((x) => ({ ...x, selected: x.id === id })));
    void flow.setCenter(n.position.x + 110, n.position.y + 35, { zoom: 1.2, duration: 300 });
  };

  const [reportOn, setReportOn] = useState(false);
  const refreshReport = useCallback(async () => {
    try {
      setReport(await api<Report>("GET", `${base}/report`));
    } catch (e) {
      say((e as Error).message);
    }
  }, [base, say]);
  const toggleReport = async () => {
    if (reportOn) {
      setReportOn(false);
      return setReport(null);
    }
    setReportOn(true);
    await refreshReport();
  };
  // An open report follows the campaign as it runs.
  useEffect(() => {
    if (!reportOn) return;
    const timer = window.setInterval(() => { if (document.visibilityState !== "hidden") void refreshReport(); }, REPORT_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reportOn, refreshReport]);
  const showVersions = async () => {
    if (versions) return setVersions(null);
    const v = await api<{ versions: { version: number; publishedAt: number }[] }>("GET", `${base}/versions`);
    setVersions(v.versions);
  };
  const loadVersion = async (n: number) => {
    const v = await api<{ document: CampaignDocument }>("GET", `${base}/versions/${n}`);
    snapshot();
    const f = toFlow(v.document);
    setNodes(f.nodes);
    setEdges(f.edges);
    setVersions(null);
  };

  const selected = nodes.filter((n) => n.selected);
  if (!campaign) return <div className="center">{t("loading")}</div>;
  const status = campaign.status;
  return (
    <div className="editor">
      <div className="toolbar">
        <button onClick={onClose}>{t("back")}</button>
        <input className="name" aria-label={t("name")} value={name} disabled={!editable} onChange={(e) => setName(e.target.value)} />
        <span className={`status ${status}`} data-testid="editor-status">{t(status as StringKey)}</span>
        <span className="muted" data-testid="save-state">{t(saveState)}</span>
        <span className="grow" />
        <button onClick={undo} title="Ctrl+Z">{t("undo")}</button>
        <button onClick={redo} title="Ctrl+Shift+Z">{t("redo")}</button>
        <button onClick={layout} title="L">{t("layout")}</button>
        <button onClick={() => setHelp((h) => !h)} title="?">{t("shortcuts")}</button>
        <button onClick={() => void showVersions()}>{t("versions")}</button>
        <button data-testid="sim-toggle" className={simOpen ? "on" : ""} onClick={() => { setSimOpen((o) => !o); setSim(null); setSimPath(null); }}>{t("simulation")}</button>
        {status !== "draft" && <button data-testid="report-toggle" className={reportOn ? "on" : ""} aria-pressed={reportOn} onClick={() => void toggleReport()}>{t("report")}</button>}
        <a className="button" href={`/api/v1${base}/export`}>{t("export")}</a>
        {status === "draft" && (
          <button className="primary" data-testid="activate" disabled={errorCount > 0} title={errorCount > 0 ? `${errorCount} ${t("errors")}` : ""} onClick={() => void lifecycle("activate")}>{t("activate")}</button>
        )}
        {(status === "active" || status === "paused") && dirty && <button className="primary" onClick={() => void save()} disabled={errorCount > 0}>{t("publish")}</button>}
        {status === "active" && <button onClick={() => void lifecycle("pause")}>{t("pause")}</button>}
        {status === "paused" && <button className="primary" onClick={() => setResumeAsk(true)}>{t("resume")}</button>}
        {(status === "active" || status === "paused") && <button className="danger" onClick={() => void lifecycle("stop")}>{t("stop")}</button>}
      </div>
      <div className="workspace">
        <Palette disabled={!editable} onAdd={(type) => {
          const c = flow.screenToFlowPosition({ x: (wrapper.current?.getBoundingClientRect().left ?? 0) + 300, y: (wrapper.current?.getBoundingClientRect().top ?? 0) + 200 });
          addElement(type, c);
        }} />
        <div className="canvas" ref={wrapper} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }} onDrop={onDrop} data-testid="canvas">
          <CanvasContext.Provider value={canvasInfo}>
            <ReactFlow<ElementNode, Edge>
              nodes={nodes} edges={shownEdges} nodeTypes={NODE_TYPES}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect} onConnectEnd={onConnectEnd as never} isValidConnection={isValidConnection}
              onBeforeDelete={async () => { snapshot(); return true; }}
              onNodeDragStart={() => snapshot()}
              nodesDraggable={editable} nodesConnectable={editable} elementsSelectable
              deleteKeyCode={editable ? ["Backspace", "Delete"] : null}
              multiSelectionKeyCode={["Shift", "Meta", "Control"]} selectionKeyCode="Shift"
              defaultEdgeOptions={{ type: "smoothstep" }}
              fitView minZoom={0.1}
            >
              <Background />
              <MiniMap pannable zoomable />
              <Controls />
            </ReactFlow>
          </CanvasContext.Provider>
          {toast && <div className="toast" role="alert" data-testid="toast">{toast}</div>}
          {help && <div className="help card" data-testid="help"><strong>{t("shortcuts")}</strong><p>{t("keys")}</p></div>}
          {versions && (
            <div className="popover card">
              <strong>{t("versions")}</strong>
              {versions.length === 0 && <p className="muted">{t("none")}</p>}
              {versions.map((v) => (
                <button key={v.version} onClick={() => void loadVersion(v.version)}>v{v.version} — {new Date(v.publishedAt).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA")}</button>
              ))}
            </div>
          )}
          {resumeAsk && (
            <div className="popover card" data-testid="resume-ask">
              <p>{t("resumeHow")}</p>
              <button className="primary" onClick={() => { setResumeAsk(false); void lifecycle("resume", { overdue: "now" }); }}>{t("resumeNow")}</button>
              <button onClick={() => { setResumeAsk(false); void lifecycle("resume", { overdue: "retime" }); }}>{t("resumeRetime")}</button>
              <button onClick={() => setResumeAsk(false)}>{t("cancel")}</button>
            </div>
          )}
          {simOpen && doc && <SimulationPanel projectId={project.id} doc={doc} config={config} result={sim} onResult={setSim} onPath={setSimPath} />}
        </div>
        <aside className="side">
          {report && !sim && doc && (
            <ReportPanel report={report} doc={doc} status={status} winners={campaign.winners ?? {}} base={base}
              selected={selected.length === 1 ? selected[0].id : null} onFocus={focus} onRefresh={() => void refreshReport()}
              onWinner={(element, variant) => {
                setCampaign((prev) => prev ? { ...prev, winners: { ...prev.winners, [element]: variant } } : prev);
                void refreshReport();
              }} />
          )}
          <section className="panel">
            <h3>{t("properties")}</h3>
            {selected.length === 1 && selected[0].data.type !== "note"
              ? <Properties key={selected[0].id} node={selected[0]} nodes={nodes} edges={edges} config={config} projectId={project.id} disabled={!editable}
                  onChange={(data) => { snapshot(); setNodes((ns) => ns.map((n) => (n.id === selected[0].id ? { ...n, data: { ...n.data, ...data } } : n))); }} />
              : <p className="muted">{t("nothingSelected")}</p>}
          </section>
          <section className="panel findings" data-testid="findings">
            <h3>{t("findings")} <span className="muted">{errorCount} {t("errors")}, {findings.length - errorCount} {t("warnings")}</span></h3>
            {findings.length === 0 && <p className="ok">{t("noFindings")}</p>}
            <ul>
              {findings.map((f, i) => (
                <li key={i} className={isError(f) ? "error" : "warning"} data-code={f.code} onClick={() => f.element && focus(f.element)}>
                  {f.element && <code>{f.element}</code>} {f.message}
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
    </div>
  );
}

function Palette({ onAdd, disabled }: { onAdd: (type: string) => void; disabled: boolean }) {
  const { t, lang } = useT();
  const [q, setQ] = useState("");
  const needle = q.trim().toLowerCase();
  return (
    <nav className="palette" data-testid="palette">
      <input type="search" placeholder={t("search")} value={q} onChange={(e) => setQ(e.target.value)} aria-label={t("search")} />
      <a className="small palette-guide" href={`/guide?lang=${lang}`} target="_blank" rel="noopener">{lang === "fr" ? "Guide des éléments" : "Element guide"}</a>
      {FAMILIES.map((fam) => {
        const defs = CATALOG.filter((d) => d.family === fam && (!needle || d.label[lang].toLowerCase().includes(needle) || d.type.toLowerCase().includes(needle)));
        if (defs.length === 0) return null;
        return (
          <div key={fam} className="family">
            <h4>{FAMILY_LABELS[fam][lang]}</h4>
            {defs.map((d) => (
              <div key={d.type} className={`palette-item family-${fam}`} draggable={!disabled} data-type={d.type} title={d.description[lang]}
                onDragStart={(e) => { e.dataTransfer.setData("application/relais-element", d.type); e.dataTransfer.effectAllowed = "move"; }}
                tabIndex={0} role="button" aria-disabled={disabled || undefined} aria-keyshortcuts="Enter"
                onKeyDown={(e) => { if ((e.key === "Enter" || e.key === " ") && !disabled) { e.preventDefault(); onAdd(d.type); } }}
                onDoubleClick={() => !disabled && onAdd(d.type)}>
                {d.label[lang]}
              </div>
            ))}
          </div>
        );
      })}
    </nav>
  );
}


