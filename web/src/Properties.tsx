import type { Edge } from "@xyflow/react";
import { useState } from "react";
import { elementDef, OPERATORS, UNARY_OPERATORS, type ProjectConfig, type ReferenceKind } from "../../src/model/index.js";
import { api } from "./api.js";
import { formFields, getAt, parseInput, setAt, type FormField } from "./forms.js";
import type { ElementData, ElementNode } from "./graph.js";
import { useT } from "./i18n.js";

interface Props {
  node: ElementNode;
  nodes: ElementNode[];
  edges: Edge[];
  config: ProjectConfig;
  projectId: string;
  disabled: boolean;
  report?: any;
  onChange: (data: Partial<ElementData>) => void;
}

/** Send elements upstream of an element: what its ★ condition may name. */
function upstreamSends(id: string, nodes: ElementNode[], edges: Edge[]): string[] {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const cur = stack.pop()!;
    for (const e of edges) if (e.target === cur && !seen.has(e.source)) { seen.add(e.source); stack.push(e.source); }
  }
  return nodes.filter((n) => seen.has(n.id) && elementDef(n.data.type)?.sends).map((n) => n.id);
}

export function Properties({ node, nodes, edges, config, projectId, disabled, report, onChange }: Props) {
  const { t, lang } = useT();
  const def = elementDef(node.data.type);
  const fields = formFields(node.data.type);
  const options = (kind: ReferenceKind, channel?: string): string[] => {
    switch (kind) {
      case "communicationType": return config.communicationTypes.filter((c) => !channel || c.channel === channel).map((c) => c.key);
      case "group": return config.groups.map((g) => g.key);
      case "persona": return config.personas.map((p) => p.key);
      case "table": return config.tables.map((x) => x.key);
      case "field": return config.fields.map((f) => f.key);
      case "promoBank": return config.promoBanks.map((p) => p.key);
      case "destination": return config.destinations.map((d) => d.key);
      case "message": return upstreamSends(node.id, nodes, edges);
    }
  };
  const channel = def?.sends === "push" ? "push" : def?.sends;
  const set = (path: string[], value: unknown) => onChange({ params: setAt(node.data.params, path, value) });
  return (
    <div className="props" data-testid="properties">
      <div className="muted">{def?.label[lang] ?? node.data.type} · <code>{node.id}</code></div>
      {def && <p className="small">{def.description[lang]}</p>}
      <label>{t("label")}<input value={node.data.label ?? ""} disabled={disabled} onChange={(e) => onChange({ label: e.target.value || undefined })} /></label>
      <fieldset disabled={disabled}>
        {fields.map((f) => <Field key={f.path.join(".") || f.key} field={f} params={node.data.params} set={set} options={(k) => options(k, channel)} />)}
      </fieldset>
      {def?.sends === "email" && <EmailPreview projectId={projectId} message={node.data.params.message} />}
      {report && (
        <div className="funnel" data-testid="funnel">
          {["reached", "sent", "delivered", "opened", "clicked"].map((k) => <div key={k}><span>{k}</span><strong>{report[k] ?? 0}</strong></div>)}
        </div>
      )}
    </div>
  );
}

function Field({ field, params, set, options }: { field: FormField; params: Record<string, unknown>; set: (p: string[], v: unknown) => void; options: (k: ReferenceKind) => string[] }) {
  const value = getAt(params, field.path);
  const label = `${field.key}${field.required ? " *" : ""}`;
  const id = `f-${field.path.join("-") || field.key}`;
  switch (field.kind) {
    case "object":
      return (
        <fieldset className="group"><legend>{field.key}</legend>
          {field.fields!.map((f) => <Field key={f.path.join(".")} field={f} params={params} set={set} options={options} />)}
        </fieldset>
      );
    case "enum":
      return (
        <label htmlFor={id}>{label}
          <select id={id} name={field.key} value={(value as string | undefined) ?? ""} onChange={(e) => set(field.path, e.target.value || undefined)}>
            <option value="">—</option>
            {field.options!.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </label>
      );
    case "boolean":
      return <label className="check"><input type="checkbox" checked={value === true} onChange={(e) => set(field.path, e.target.checked || undefined)} /> {label}</label>;
    case "longText":
      return <label htmlFor={id}>{label}<textarea id={id} name={field.key} rows={6} value={(value as string | undefined) ?? ""} onChange={(e) => set(field.path, e.target.value)} /></label>;
    case "list":
      if (field.picker) {
        const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
        const opts = [...new Set([...options(field.picker), ...chosen])];
        return (
          <div className="picker"><span>{label}</span>
            {opts.map((o) => (
              <label key={o} className="check"><input type="checkbox" name={field.key} value={o} checked={chosen.has(o)}
                onChange={(e) => { const next = new Set(chosen); if (e.target.checked) next.add(o); else next.delete(o); set(field.path, next.size ? [...next] : undefined); }} /> {o}</label>
            ))}
          </div>
        );
      }
      return <label htmlFor={id}>{label}<input id={id} name={field.key} value={Array.isArray(value) ? value.join(", ") : ""} onChange={(e) => set(field.path, parseInput(field, e.target.value))} /></label>;
    case "rule":
      return <RuleBuilder label={label} value={value} onChange={(v) => set(field.path, v)} fields={options("field")} />;
    case "json":
      return <JsonField label={label} value={value} onChange={(v) => set(field.path, v)} />;
    default:
      if (field.picker) {
        const opts = options(field.picker);
        const cur = (value as string | undefined) ?? "";
        return (
          <label htmlFor={id}>{label}
            <select id={id} name={field.key} value={cur} onChange={(e) => set(field.path, e.target.value || undefined)}>
              <option value="">—</option>
              {[...new Set(cur ? [...opts, cur] : opts)].map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
          </label>
        );
      }
      return (
        <label htmlFor={id}>{label}
          <input id={id} name={field.key} type={field.kind === "text" ? "text" : "number"} min={field.min} max={field.max}
            value={value === undefined || value === null ? "" : String(value)} onChange={(e) => set(field.path, parseInput(field, e.target.value))} />
        </label>
      );
  }
}

function JsonField({ label, value, onChange }: { label: string; value: unknown; onChange: (v: unknown) => void }) {
  const { t } = useT();
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState(false);
  return (
    <label>{label} <span className="muted">({t("json")})</span>
      <textarea rows={5} value={text} className={bad ? "invalid" : ""} onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === "") { setBad(false); return onChange(undefined); }
        try { onChange(JSON.parse(e.target.value)); setBad(false); } catch { setBad(true); }
      }} />
      {bad && <span className="error">{t("invalidJson")}</span>}
    </label>
  );
}

/**
 * Rules: a list of field conditions joined by "all" or "any"; anything more complex (tables,
 * nesting, negation) is edited as JSON.
 */
function RuleBuilder({ label, value, onChange, fields }: { label: string; value: unknown; onChange: (v: unknown) => void; fields: string[] }) {
  const { t } = useT();
  const v = value as any;
  const simple = v === undefined || v.field !== undefined || ((v.all || v.any) && (v.all ?? v.any).every((r: any) => r.field !== undefined));
  if (!simple) return <JsonField label={label} value={value} onChange={onChange} />;
  const join: "all" | "any" = v?.any ? "any" : "all";
  const items: any[] = v === undefined ? [] : v.field !== undefined ? [v] : (v.all ?? v.any);
  const emit = (next: any[], j = join) => onChange(next.length === 0 ? undefined : next.length === 1 ? next[0] : { [j]: next });
  return (
    <div className="rule" data-testid="rule-builder"><span>{label} ({t("rule")})</span>
      {items.length > 1 && (
        <select value={join} onChange={(e) => emit(items, e.target.value as "all" | "any")}><option value="all">all / toutes</option><option value="any">any / au moins une</option></select>
      )}
      {items.map((r, i) => {
        const upd = (patch: any) => emit(items.map((x, j) => (j === i ? { ...x, ...patch } : x)));
        return (
          <div key={i} className="rule-row">
            <select value={r.field ?? ""} onChange={(e) => upd({ field: e.target.value })}>
              {[...new Set([r.field, ...fields].filter(Boolean))].map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
            <select value={r.operator} onChange={(e) => upd({ operator: e.target.value, ...(UNARY_OPERATORS.has(e.target.value as never) ? { value: undefined } : {}) })}>
              {OPERATORS.map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
            {!UNARY_OPERATORS.has(r.operator) && <input value={r.value ?? ""} onChange={(e) => upd({ value: e.target.value })} />}
            <button type="button" onClick={() => emit(items.filter((_, j) => j !== i))}>×</button>
          </div>
        );
      })}
      <button type="button" onClick={() => emit([...items, { field: fields[0] ?? "", operator: "equals", value: "" }])}>+ {t("add")}</button>
    </div>
  );
}

function EmailPreview({ projectId, message }: { projectId: string; message: unknown }) {
  const { t } = useT();
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState("");
  const run = async () => {
    setError("");
    try {
      const m = message as Record<string, unknown> | undefined;
      const r = await api<{ html: string }>("POST", `/projects/${encodeURIComponent(projectId)}/email-preview`, { message: { subject: "", ...m } });
      setHtml(r.html);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="preview">
      <button type="button" onClick={() => void run()}>{t("preview")}</button>
      {error && <p className="error">{error}</p>}
      {html !== null && <iframe title={t("preview")} sandbox="" srcDoc={html} />}
    </div>
  );
}
