import type { Edge } from "@xyflow/react";
import { useState } from "react";
import { elementDef, OPERATORS, UNARY_OPERATORS, type ProjectConfig, type ReferenceKind } from "../../src/model/index.js";
import { api } from "./api.js";
import { fieldId, formFields, getAt, parseInput, parseJsonField, setAt, type FormField } from "./forms.js";
import type { ElementData, ElementNode } from "./graph.js";
import { fill } from "./i18n-editor.js";
import { useT } from "./i18n.js";

interface Props {
  node: ElementNode;
  nodes: ElementNode[];
  edges: Edge[];
  config: ProjectConfig;
  projectId: string;
  disabled: boolean;
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

export function Properties({ node, nodes, edges, config, projectId, disabled, onChange }: Props) {
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
      {def && (
        <p className="small">
          {def.description[lang]}{" "}
          <a href={`/guide?lang=${lang}#${encodeURIComponent(def.type)}`} target="_blank" rel="noopener" data-testid="guide-link">
            {lang === "fr" ? "Dans le guide" : "In the guide"}
          </a>
        </p>
      )}
      <label htmlFor="f--label">{t("label")}</label>
      <input id="f--label" value={node.data.label ?? ""} disabled={disabled} onChange={(e) => onChange({ label: e.target.value || undefined })} />
      <fieldset disabled={disabled}>
        {fields.map((f) => <Field key={f.path.join(".") || f.key} field={f} params={node.data.params} set={set} options={(k) => options(k, channel)} />)}
      </fieldset>
      {def?.sends === "email" && <EmailPreview projectId={projectId} message={node.data.params.message} />}
    </div>
  );
}

function Field({ field, params, set, options }: { field: FormField; params: Record<string, unknown>; set: (p: string[], v: unknown) => void; options: (k: ReferenceKind) => string[] }) {
  const { t } = useT();
  const value = getAt(params, field.path);
  const id = fieldId(field);
  // The star is for the eye; screen readers hear "required" from aria-required.
  const label = <>{field.key}{field.required && <span aria-hidden="true"> *</span>}</>;
  const req = field.required || undefined;
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
          <select id={id} name={field.key} aria-required={req} value={(value as string | undefined) ?? ""} onChange={(e) => set(field.path, e.target.value || undefined)}>
            <option value="">—</option>
            {field.options!.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </label>
      );
    case "boolean":
      return <label className="check" htmlFor={id}><input id={id} name={field.key} type="checkbox" checked={value === true} onChange={(e) => set(field.path, e.target.checked || undefined)} /> {label}</label>;
    case "longText":
      return <label htmlFor={id}>{label}<textarea id={id} name={field.key} aria-required={req} rows={6} value={(value as string | undefined) ?? ""} onChange={(e) => set(field.path, e.target.value)} /></label>;
    case "list":
      if (field.picker) {
        const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
        const opts = [...new Set([...options(field.picker), ...chosen])];
        return (
          <fieldset className="picker" aria-required={req}><legend>{label}</legend>
            {opts.length === 0 && <span className="small muted">{t("none")}</span>}
            {opts.map((o, i) => (
              <label key={o} className="check" htmlFor={`${id}-${i}`}><input id={`${id}-${i}`} type="checkbox" name={field.key} value={o} checked={chosen.has(o)}
                onChange={(e) => { const next = new Set(chosen); if (e.target.checked) next.add(o); else next.delete(o); set(field.path, next.size ? [...next] : undefined); }} /> {o}</label>
            ))}
          </fieldset>
        );
      }
      return <label htmlFor={id}>{label}<input id={id} name={field.key} aria-required={req} value={Array.isArray(value) ? value.join(", ") : ""} onChange={(e) => set(field.path, parseInput(field, e.target.value))} /></label>;
    case "rule":
      return <RuleBuilder id={id} label={label} value={value} onChange={(v) => set(field.path, v)} fields={options("field")} />;
    case "json":
      return <JsonField id={id} name={field.key} label={label} shape={field.shape} value={value} onChange={(v) => set(field.path, v)} />;
    default:
      if (field.picker) {
        const opts = options(field.picker);
        const cur = (value as string | undefined) ?? "";
        return (
          <label htmlFor={id}>{label}
            <select id={id} name={field.key} aria-required={req} value={cur} onChange={(e) => set(field.path, e.target.value || undefined)}>
              <option value="">—</option>
              {[...new Set(cur ? [...opts, cur] : opts)].map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
          </label>
        );
      }
      return (
        <label htmlFor={id}>{label}
          <input id={id} name={field.key} aria-required={req} type={field.kind === "text" ? "text" : "number"} min={field.min} max={field.max}
            value={value === undefined || value === null ? "" : String(value)} onChange={(e) => set(field.path, parseInput(field, e.target.value))} />
        </label>
      );
  }
}

/**
 * Raw JSON for what the form cannot say simply (A/X variants, nested rules, …): the text is kept
 * as typed; the parameter changes only when it parses (and is a list where a list is expected),
 * otherwise the parser's message shows under it and the last good value stays.
 */
function JsonField({ id, name, label, shape, value, onChange }: { id: string; name?: string; label: React.ReactNode; shape?: "array" | "object"; value: unknown; onChange: (v: unknown) => void }) {
  const { t } = useT();
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [problem, setProblem] = useState("");
  const errId = `${id}-error`;
  return (
    <div className="ed-json">
      <label htmlFor={id}>{label} <span className="muted">({shape === "array" ? "[ … ] " : ""}{t("json")})</span></label>
      <textarea id={id} name={name} rows={shape === "array" ? 7 : 5} value={text} spellCheck={false} className={problem ? "invalid" : ""}
        aria-invalid={problem ? true : undefined} aria-describedby={problem ? errId : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const r = parseJsonField(e.target.value, shape);
          if (r.ok) { setProblem(""); onChange(r.value); }
          else setProblem(r.notArray ? t("jsonNotArray") : fill(t("jsonErrorAt"), { m: r.error }));
        }} />
      {problem && <span className="error ed-json-error" id={errId} role="alert" data-testid="json-error">{problem}</span>}
    </div>
  );
}

/**
 * Rules: a list of field conditions joined by "all" or "any"; anything more complex (tables,
 * nesting, negation) is edited as JSON.
 */
function RuleBuilder({ id, label, value, onChange, fields }: { id: string; label: React.ReactNode; value: unknown; onChange: (v: unknown) => void; fields: string[] }) {
  const { t } = useT();
  const v = value as any;
  const simple = v === undefined || v.field !== undefined || ((v.all || v.any) && (v.all ?? v.any).every((r: any) => r.field !== undefined));
  if (!simple) return <JsonField id={id} label={label} shape="object" value={value} onChange={onChange} />;
  const join: "all" | "any" = v?.any ? "any" : "all";
  const items: any[] = v === undefined ? [] : v.field !== undefined ? [v] : (v.all ?? v.any);
  const emit = (next: any[], j = join) => onChange(next.length === 0 ? undefined : next.length === 1 ? next[0] : { [j]: next });
  return (
    <fieldset className="rule" data-testid="rule-builder"><legend>{label} ({t("rule")})</legend>
      {items.length > 1 && (
        <select aria-label={t("ruleJoin")} value={join} onChange={(e) => emit(items, e.target.value as "all" | "any")}><option value="all">all / toutes</option><option value="any">any / au moins une</option></select>
      )}
      {items.map((r, i) => {
        const upd = (patch: any) => emit(items.map((x, j) => (j === i ? { ...x, ...patch } : x)));
        const n = items.length > 1 ? ` ${i + 1}` : "";
        return (
          <div key={i} className="rule-row">
            <select aria-label={`${t("ruleField")}${n}`} value={r.field ?? ""} onChange={(e) => upd({ field: e.target.value })}>
              {[...new Set([r.field, ...fields].filter(Boolean))].map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
            <select aria-label={`${t("ruleOperator")}${n}`} value={r.operator} onChange={(e) => upd({ operator: e.target.value, ...(UNARY_OPERATORS.has(e.target.value as never) ? { value: undefined } : {}) })}>
              {OPERATORS.map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
            {!UNARY_OPERATORS.has(r.operator) && <input aria-label={`${t("ruleValue")}${n}`} value={r.value ?? ""} onChange={(e) => upd({ value: e.target.value })} />}
            <button type="button" aria-label={`${t("removeRule")}${n}`} title={t("removeRule")} onClick={() => emit(items.filter((_, j) => j !== i))}>×</button>
          </div>
        );
      })}
      <button type="button" onClick={() => emit([...items, { field: fields[0] ?? "", operator: "equals", value: "" }])}>+ {t("add")}</button>
    </fieldset>
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
