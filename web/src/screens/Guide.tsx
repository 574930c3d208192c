import { useEffect, useMemo } from "react";
import { guideSections, type GuideElement } from "../backoffice/guide-model.js";
import { tOr } from "../backoffice/shared.js";
import { useT, type Lang } from "../i18n.js";

/** The how-tos of the guide, each a title and numbered steps (keys of i18n-backoffice.ts). */
const HOWTOS = ["firstCampaign", "axTest", "approval", "exports"] as const;

/**
 * The user guide at /guide (public, no sign-in): how-tos, then every element of the catalog by
 * family, each at `#<type id>` (e.g. /guide#action.sendEmail; `?lang=en` opens it in English).
 */
export function GuideScreen() {
  const { t, lang, setLang } = useT();
  useEffect(() => {
    const wanted = new URLSearchParams(location.search).get("lang");
    if (wanted === "fr" || wanted === "en") setLang(wanted);
  }, [setLang]);
  const sections = useMemo(() => guideSections(lang), [lang]);
  // The page renders after the address is read: scroll to the asked element once it exists.
  useEffect(() => {
    if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  }, [sections]);
  return (
    <div className="bo-guide" data-testid="screen-guide">
      <header className="topbar">
        <a className="brand" href="/">Relais</a>
        <strong>{t("boGuideTitle")}</strong>
        <span className="grow" />
        <button className="lang" data-testid="guide-lang" onClick={() => setLang(lang === "fr" ? "en" : "fr")}>{lang === "fr" ? "English" : "Français"}</button>
      </header>
      <div className="bo-guide-body">
        <nav className="bo-guide-toc" aria-label={t("boGuideContents")}>
          <h2>{t("boGuideContents")}</h2>
          <a href="#howtos">{t("boGuideHowtos")}</a>
          <ul>{HOWTOS.map((h) => <li key={h}><a href={`#howto-${h}`}>{tOr(`guide_${h}_title`, lang, h)}</a></li>)}</ul>
          <a href="#elements">{t("boGuideElements")}</a>
          <ul>{sections.map((s) => (
            <li key={s.family}><a href={`#family-${s.family}`}>{s.label}</a>
              <ul>{s.elements.map((e) => <li key={e.type}><a href={`#${e.anchor}`}>{e.label}</a></li>)}</ul>
            </li>
          ))}</ul>
        </nav>
        <main className="bo-guide-main">
          <h1>{t("boGuideTitle")}</h1>
          <p>{t("boGuideIntro")}</p>
          <section id="howtos">
            <h2>{t("boGuideHowtos")}</h2>
            {HOWTOS.map((h) => (
              <article key={h} id={`howto-${h}`} className="bo-howto">
                <h3>{tOr(`guide_${h}_title`, lang, h)}</h3>
                <ol>{tOr(`guide_${h}_steps`, lang, "").split("\n").filter(Boolean).map((s, i) => <li key={i}>{s}</li>)}</ol>
              </article>
            ))}
          </section>
          <section id="elements">
            <h2>{t("boGuideElements")}</h2>
            <p>{t("boGuideElementsIntro")}</p>
            {sections.map((s) => (
              <section key={s.family} id={`family-${s.family}`} className="bo-family">
                <h2>{s.label}</h2>
                <p className="muted">{tOr(`guide_family_${s.family}`, lang, "")}</p>
                {s.elements.map((e) => <ElementEntry key={e.type} e={e} lang={lang} />)}
              </section>
            ))}
          </section>
        </main>
      </div>
    </div>
  );
}

function paramText(p: GuideElement["params"][number], lang: Lang): string {
  const bits = [tOr(`guide_kind_${p.kind}`, lang, p.kind)];
  if (p.options) bits.push(p.options.join(" | "));
  if (p.picker) bits.push(`${tOr("guide_picker", lang, "")} ${tOr(`guide_ref_${p.picker}`, lang, p.picker)}`);
  if (p.min !== undefined) bits.push(`≥ ${p.min}`);
  if (p.max !== undefined) bits.push(`≤ ${p.max}`);
  return bits.join(" · ");
}

function ElementEntry({ e, lang }: { e: GuideElement; lang: Lang }) {
  const { t } = useT();
  const rules: string[] = [];
  if (e.type.startsWith("trigger.")) rules.push(t("guide_rule_trigger"));
  if (e.batch) rules.push(t("guide_rule_batch"));
  if (e.sends) rules.push(t("guide_rule_sends"));
  if (e.onSend) rules.push(t("guide_rule_onSend"));
  if (e.module) rules.push(`${t("guide_rule_module")} ${tOr(`guide_module_${e.module}`, lang, e.module)}`);
  if (e.hasRules) rules.push(t("guide_rule_rules"));
  if (e.type.startsWith("end.")) rules.push(t("guide_rule_end"));
  if (e.type === "note") rules.push(t("guide_rule_note"));
  if (e.exits === null) rules.push(t("guide_rule_splitExits"));
  return (
    <article id={e.anchor} className="bo-element" data-testid={`guide-${e.type}`}>
      <h3>{e.label} <code>{e.type}</code> <a className="bo-anchor" href={`#${e.anchor}`} aria-label="#">#</a></h3>
      <p>{e.description}</p>
      <div className="bo-element-grid">
        <div>
          <h4>{t("boGuideParams")}</h4>
          {e.params.length === 0 ? <p className="muted">{t("boGuideNoParams")}</p> : (
            <table className="bo-mini">
              <tbody>{e.params.map((p) => (
                <tr key={p.path}><td><code>{p.path}</code>{p.required && <span className="bo-req" title={t("boGuideRequired")}> *</span>}</td><td>{paramText(p, lang)}</td></tr>
              ))}</tbody>
            </table>
          )}
        </div>
        <div>
          <h4>{t("boGuideExits")}</h4>
          <p>{e.exits === null ? t("guide_exitsDynamic") : e.exits.length === 0 ? t("boGuideNoExit") : e.exits.map((x) => <code key={x} className={e.greyExits.includes(x) ? "bo-exit grey" : "bo-exit"}>{x}</code>)}</p>
          {rules.length > 0 && (
            <>
              <h4>{t("boGuideRules")}</h4>
              <ul>{rules.map((r, i) => <li key={i}>{r}</li>)}</ul>
            </>
          )}
        </div>
      </div>
    </article>
  );
}
