import { useMemo, useState } from "react";
import { DURATION_UNITS, fieldTypes, Rule, UNARY_OPERATORS, type ProjectConfig, type Rule as RuleT } from "../../../src/model/index.js";
import { useT } from "../i18n.js";
import { emptyRow, operatorsFor, ruleToState, stateToRule, type RuleRow, type RuleState } from "./rule-state.js";

/**
 * The rule builder of the back office (advanced contact search, personas): lines of field,
 * operator and value joined by all/any, with the operators of the field's type. A rule it
 * cannot show as lines (profiling tables, nesting, negation) is edited as JSON, and the user
 * may switch to JSON at any time.
 */
export function RuleBuilder({ value, onChange, config, testId = "bo-rule" }: { value: RuleT | undefined; onChange: (r: RuleT | undefined) => void; config: ProjectConfig; testId?: string }) {
  const { t } = useT();
  const types = useMemo(() => fieldTypes(config), [config]);
  const initial = ruleToState(value);
  const [state, setState] = useState<RuleState>(initial ?? { join: "all", rows: [] });
  const [json, setJson] = useState<string | null>(initial ? null : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState("");
  const fields = config.fields.map((f) => f.key);

  const emit = (next: RuleState) => {
    setState(next);
    onChange(stateToRule(next, types));
  };
  if (json !== null) {
    return (
      <div className="bo-rule" data-testid={testId}>
        <textarea rows={6} value={json} aria-label={t("boRuleJson")} className={bad ? "invalid" : ""} onChange={(e) => {
          setJson(e.target.value);
          if (!e.target.value.trim()) { setBad(""); onChange(undefined); return; }
          try {
            const parsed = Rule.safeParse(JSON.parse(e.target.value));
            if (!parsed.success) { setBad(parsed.error.issues[0]?.message ?? t("invalidJson")); return; }
            setBad("");
            onChange(parsed.data);
          } catch { setBad(t("invalidJson")); }
        }} />
        {bad && <span className="error">{bad}</span>}
        {ruleToState(value) && <button type="button" onClick={() => { setState(ruleToState(value)!); setJson(null); }}>{t("boRuleLines")}</button>}
      </div>
    );
  }
  const update = (i: number, patch: Partial<RuleRow>) => emit({ ...state, rows: state.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <div className="bo-rule" data-testid={testId}>
      {state.rows.length > 1 && (
        <label className="bo-inline">{t("boRuleJoin")}
          <select value={state.join} data-testid={`${testId}-join`} onChange={(e) => emit({ ...state, join: e.target.value as "all" | "any" })}>
            <option value="all">{t("boRuleAll")}</option>
            <option value="any">{t("boRuleAny")}</option>
          </select>
        </label>
      )}
      {state.rows.map((r, i) => {
        const ops = operatorsFor(types.get(r.field));
        return (
          <div key={i} className="bo-rule-row" data-testid={`${testId}-row`}>
            <select aria-label={t("boField")} name="rule-field" value={r.field} onChange={(e) => {
              const nextOps = operatorsFor(types.get(e.target.value));
              update(i, { field: e.target.value, ...(nextOps.includes(r.operator) ? {} : { operator: nextOps[0]! }) });
            }}>
              {[...new Set([r.field, ...fields].filter(Boolean))].map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
            <select aria-label={t("boOperator")} name="rule-operator" value={r.operator} onChange={(e) => update(i, { operator: e.target.value as RuleRow["operator"] })}>
              {[...new Set([r.operator, ...ops])].map((o) => <option key={o} value={o}>{t(`op_${o}` as never)}</option>)}
            </select>
            {!UNARY_OPERATORS.has(r.operator) && (
              <input aria-label={t("boValue")} name="rule-value" value={r.value} placeholder={r.operator === "in" || r.operator === "notIn" ? t("boCommaList") : ""}
                type={(r.operator === "withinLast" || r.operator === "withinNext") ? "number" : "text"} onChange={(e) => update(i, { value: e.target.value })} />
            )}
            {r.operator === "between" && <input aria-label={t("boValue2")} name="rule-value2" value={r.value2} onChange={(e) => update(i, { value2: e.target.value })} />}
            {(r.operator === "withinLast" || r.operator === "withinNext") && (
              <select aria-label={t("boUnit")} value={r.unit} onChange={(e) => update(i, { unit: e.target.value as RuleRow["unit"] })}>
                {DURATION_UNITS.map((u) => <option key={u} value={u}>{t(`unit_${u}` as never)}</option>)}
              </select>
            )}
            <button type="button" aria-label={t("boRemove")} title={t("boRemove")} onClick={() => emit({ ...state, rows: state.rows.filter((_, j) => j !== i) })}>×</button>
          </div>
        );
      })}
      <div className="row">
        <button type="button" data-testid={`${testId}-add`} onClick={() => emit({ ...state, rows: [...state.rows, emptyRow(fields[0] ?? "")] })}>+ {t("boCondition")}</button>
        <button type="button" className="bo-link" onClick={() => setJson(JSON.stringify(stateToRule(state, types) ?? {}, null, 2))}>{t("boRuleAsJson")}</button>
      </div>
    </div>
  );
}
