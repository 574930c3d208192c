import { Handle, NodeResizer, Position, useReactFlow, type NodeProps } from "@xyflow/react";
import { createContext, useContext } from "react";
import { elementDef, isError, type Finding } from "../../src/model/index.js";
import { exitsOf, type ElementNode } from "./graph.js";
import { useT } from "./i18n.js";

export interface CanvasInfo {
  findings: Map<string, Finding[]>;
  report: Record<string, { entered: number; exits: Record<string, number> }> | null;
  /** Elements of the simulated path shown on the canvas, if one is. */
  path?: Set<string> | null;
}
export const CanvasContext = createContext<CanvasInfo>({ findings: new Map(), report: null, path: null });

const EXIT_LABELS: Record<string, { fr: string; en: string }> = {
  true: { fr: "vrai", en: "true" }, false: { fr: "faux", en: "false" }, rest: { fr: "reste", en: "rest" }, next: { fr: "", en: "" },
};

export function ElementNodeView({ id, data, selected }: NodeProps<ElementNode>) {
  const { lang } = useT();
  const { findings, report, path } = useContext(CanvasContext);
  const def = elementDef(data.type);
  const mine = findings.get(id) ?? [];
  const errors = mine.filter(isError).length;
  const exits = exitsOf(data.type, data.params);
  const grey = new Set(def?.greyExits ?? []);
  const counts = report?.[id];
  return (
    <div className={`node family-${def?.family ?? "unknown"}${selected ? " selected" : ""}${path?.has(id) ? " on-path" : path ? " off-path" : ""}`} data-testid={`node-${id}`} title={mine.map((f) => f.message).join("\n")}>
      {def?.family !== "trigger" && <Handle type="target" position={Position.Top} />}
      <div className="node-family">{def ? def.label[lang] : data.type}</div>
      <div className="node-label">{data.label || id}</div>
      {mine.length > 0 && (
        <span className={`badge ${errors ? "badge-error" : "badge-warning"}`} data-testid={`badge-${id}`}>{errors || mine.length}</span>
      )}
      {counts && <span className="count" data-testid={`count-${id}`}>{counts.entered}</span>}
      <div className="exits">
        {exits.map((exit, i) => {
          const label = EXIT_LABELS[exit]?.[lang] ?? exit;
          const cls = exit === "true" ? "exit-true" : grey.has(exit) ? "exit-grey" : "exit-other";
          const left = `${((i + 1) / (exits.length + 1)) * 100}%`;
          return (
            <div key={exit}>
              <Handle type="source" id={exit} position={Position.Bottom} className={cls} style={{ left }} />
              {(label || counts) && (
                <span className={`exit-label ${cls}`} style={{ left }}>
                  {label}{counts ? ` ${counts.exits[exit] ?? 0}` : ""}
                </span>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

const NOTE_COLOURS = ["#fff4a3", "#ffd6e0", "#d4f1ff", "#d9f7d0"];

export function NoteNodeView({ id, data, selected }: NodeProps<ElementNode>) {
  const { t } = useT();
  const { updateNodeData } = useReactFlow();
  const colour = (data.params.color as string | undefined) ?? NOTE_COLOURS[0];
  return (
    <div className="note" style={{ background: colour }} data-testid={`node-${id}`}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} />
      <div className="note-colours nodrag">
        {NOTE_COLOURS.map((c) => (
          <button key={c} aria-label={`${t("noteColour")} ${c}`} aria-pressed={colour === c} style={{ background: c }} onClick={() => updateNodeData(id, { params: { ...data.params, color: c } })} />
        ))}
      </div>
      <textarea className="nodrag" aria-label={t("noteTextLabel")} placeholder={t("noteText")} value={(data.params.text as string | undefined) ?? ""}
        onChange={(e) => updateNodeData(id, { params: { ...data.params, text: e.target.value } })} />
    </div>
  );
}

export const NODE_TYPES = { element: ElementNodeView, note: NoteNodeView };
