import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import type { SectionProps } from "./settings-config.js";
import { ErrorLine, projectPath, useAction } from "./shared.js";

interface Destination { key: string; host: string | null; port: number | null; username: string | null; directory: string | null; hostKey: string | null; delimiter?: string; bom?: boolean; auth: { type: string | null; set: boolean } }
const emptyDestination = { key: "", host: "", port: "22", username: "", directory: "/", hostKey: "", password: "", delimiter: ",", bom: "false" };

export function DestinationsSection({ projectId, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [list, setList] = useState<Destination[]>([]);
  const [form, setForm] = useState<typeof emptyDestination | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; error?: string; code?: string; busy?: boolean }>>({});
  const base = `${projectPath(projectId)}/destinations`;
  const load = useCallback(() => api<{ destinations: Destination[] }>("GET", base).then((r) => setList(r.destinations)), [base]);
  useEffect(() => void load().catch(() => undefined), [load]);
  const save = () => run(async () => {
    if (!form) return;
    const body = {
      host: form.host.trim(), port: Number(form.port) || 22, username: form.username.trim(), directory: form.directory.trim() || "/", hostKey: form.hostKey.trim(),
      delimiter: form.delimiter, bom: form.bom === "true",
      ...(form.password ? { auth: { password: form.password } } : {}),
    };
    if (editing) await api("PUT", `${base}/${encodeURIComponent(editing)}`, body);
    else await api("POST", base, { key: form.key.trim(), ...body });
    setForm(null);
    setEditing(null);
    await load();
    await reload();
  });
  const test = async (key: string) => {
    setTests((x) => ({ ...x, [key]: { ok: false, busy: true } }));
    try {
      const r = await api<{ ok: boolean; error?: string; code?: string }>("POST", `${base}/${encodeURIComponent(key)}/test`);
      setTests((x) => ({ ...x, [key]: r }));
    } catch (e) {
      setTests((x) => ({ ...x, [key]: { ok: false, error: (e as Error).message } }));
    }
  };
  const set = (k: keyof typeof emptyDestination) => (e: { target: { value: string } }) => setForm((f) => (f ? { ...f, [k]: e.target.value } : f));
  return (
    <section className="bo-section" data-testid="settings-destinations">
      <div className="row"><h2>{t("boDestinations")}</h2><span className="grow" />
        <button className="primary" data-testid="new-destination" onClick={() => { setEditing(null); setForm({ ...emptyDestination }); }}>{t("boNewDestination")}</button></div>
      <table className="list bo-list">
        <thead><tr><th>{t("boKey")}</th><th>{t("boServer")}</th><th>{t("boFolder")}</th><th>{t("boCredentials")}</th><th /></tr></thead>
        <tbody>{list.map((d) => {
          const r = tests[d.key];
          return (
            <tr key={d.key} data-testid={`destination-${d.key}`}>
              <td><code>{d.key}</code></td>
              <td>{d.username}@{d.host}:{d.port}</td>
              <td>{d.directory}</td>
              <td>{d.auth.set ? `✓ ${d.auth.type ?? ""}` : t("boNone")}</td>
              <td className="bo-nowrap">
                <button data-testid={`test-${d.key}`} disabled={r?.busy} onClick={() => void test(d.key)}>{r?.busy ? t("boTesting") : t("boTestConnection")}</button>
                <button onClick={() => { setEditing(d.key); setForm({ key: d.key, host: d.host ?? "", port: String(d.port ?? 22), username: d.username ?? "", directory: d.directory ?? "/", hostKey: d.hostKey ?? "", password: "", delimiter: d.delimiter ?? ",", bom: String(d.bom ?? false) }); }}>{t("boEdit")}</button>
                {r && !r.busy && (
                  <div className={r.ok ? "bo-test ok" : "bo-test bad"} role="status" data-testid={`test-result-${d.key}`}>
                    {r.ok ? t("boConnectionOk") : <>{t("boConnectionFailed")} {r.code && <code>{r.code}</code>} — {r.error}</>}
                  </div>
                )}
              </td>
            </tr>
          );
        })}</tbody>
      </table>
      {form && (
        <form className="bo-card bo-form-grid" data-testid="destination-form" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <label>{t("boKey")}<input name="dest-key" value={form.key} onChange={set("key")} disabled={!!editing} required /></label>
          <label>{t("boHost")}<input name="dest-host" value={form.host} onChange={set("host")} required placeholder="sftp.example.com" /></label>
          <label>{t("boPort")}<input name="dest-port" type="number" min={1} max={65535} value={form.port} onChange={set("port")} /></label>
          <label>{t("boUsername")}<input name="dest-username" value={form.username} onChange={set("username")} required /></label>
          <label>{t("boFolder")}<input name="dest-directory" value={form.directory} onChange={set("directory")} /></label>
          <label>{t("boHostKey")}<input name="dest-hostkey" value={form.hostKey} onChange={set("hostKey")} required placeholder="SHA256:…" /></label>
          <label>{t("boCsvDelimiter")}<select name="dest-delimiter" value={form.delimiter} onChange={set("delimiter")}><option value=",">, ({t("boComma")})</option><option value=";">; ({t("boSemicolon")})</option></select></label>
          <label>{t("boBom")}<select name="dest-bom" value={form.bom} onChange={set("bom")}><option value="false">{t("boNo")}</option><option value="true">{t("boYes")}</option></select></label>
          <label>{t("password")}<input name="dest-password" type="password" autoComplete="new-password" value={form.password} onChange={set("password")} required={!editing} placeholder={editing ? t("boKeepPassword") : ""} /></label>
          <p className="small muted bo-span">{t("boHostKeyHelp")}</p>
          <div className="row bo-span"><button type="submit" className="primary" data-testid="save-destination">{t("save")}</button><button type="button" onClick={() => setForm(null)}>{t("cancel")}</button></div>
        </form>
      )}
      <ErrorLine error={error} />
    </section>
  );
}

interface EmailSettings { configured: boolean; host?: string; port?: number; security?: string; username?: string; hasPassword: boolean; ratePerSecond?: number; mailDomain?: string; dkim?: { domainName: string; keySelector: string; hasPrivateKey: boolean } }

export function EmailSection({ projectId }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [s, setS] = useState<EmailSettings | null>(null);
  const [form, setForm] = useState({ host: "", port: "587", security: "starttls", username: "", password: "", ratePerSecond: "0", mailDomain: "", dkimDomain: "", dkimSelector: "", dkimKey: "" });
  const [sender, setSender] = useState({ name: "", email: "", replyTo: "" });
  const [result, setResult] = useState("");
  const base = `${projectPath(projectId)}/email-settings`;
  useEffect(() => {
    api<EmailSettings>("GET", base).then((r) => {
      setS(r);
      setForm((f) => ({ ...f, host: r.host ?? "", port: String(r.port ?? 587), security: r.security ?? "starttls", username: r.username ?? "", ratePerSecond: String(r.ratePerSecond ?? 0), mailDomain: r.mailDomain ?? "", dkimDomain: r.dkim?.domainName ?? "", dkimSelector: r.dkim?.keySelector ?? "" }));
    }, () => setS({ configured: false, hasPassword: false }));
    api<{ defaultSender?: { name?: string; email: string; replyTo?: string } | null }>("GET", projectPath(projectId)).then((p) => {
      if (p.defaultSender) setSender({ name: p.defaultSender.name ?? "", email: p.defaultSender.email, replyTo: p.defaultSender.replyTo ?? "" });
    }, () => undefined);
  }, [base, projectId]);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const save = () => run(async () => {
    setResult("");
    const dkim = form.dkimDomain && form.dkimSelector && form.dkimKey ? { dkim: { domainName: form.dkimDomain, keySelector: form.dkimSelector, privateKey: form.dkimKey } } : {};
    if (!form.dkimKey && s?.dkim && form.dkimDomain) throw new Error(t("boDkimKeyAgain"));
    const r = await api<EmailSettings>("PUT", base, {
      host: form.host, port: Number(form.port), security: form.security, ...(form.username ? { username: form.username } : {}),
      ...(form.password ? { password: form.password } : {}), ratePerSecond: Number(form.ratePerSecond) || 0, ...(form.mailDomain ? { mailDomain: form.mailDomain } : {}), ...dkim,
    });
    setS(r);
    setForm((f) => ({ ...f, password: "", dkimKey: "" }));
    setResult(t("saved"));
  });
  const saveSender = () => run(async () => {
    await api("PATCH", projectPath(projectId), { defaultSender: sender.email ? { email: sender.email, ...(sender.name ? { name: sender.name } : {}), ...(sender.replyTo ? { replyTo: sender.replyTo } : {}) } : null });
    setResult(t("saved"));
  });
  const test = () => run(async () => {
    const r = await api<{ ok: boolean; error?: string }>("POST", `${base}/test`);
    setResult(r.ok ? t("boConnectionOk") : `${t("boConnectionFailed")} ${r.error ?? ""}`);
  });
  return (
    <section className="bo-section" data-testid="settings-email">
      <h2>{t("boEmailSending")}</h2>
      <form className="bo-card bo-form-grid" onSubmit={(e) => { e.preventDefault(); void saveSender(); }}>
        <h3 className="bo-span">{t("boSender")}</h3>
        <label>{t("name")}<input value={sender.name} onChange={(e) => setSender({ ...sender, name: e.target.value })} /></label>
        <label>{t("email")}<input type="email" value={sender.email} onChange={(e) => setSender({ ...sender, email: e.target.value })} /></label>
        <label>{t("boReplyTo")}<input type="email" value={sender.replyTo} onChange={(e) => setSender({ ...sender, replyTo: e.target.value })} /></label>
        <div className="row bo-span"><button type="submit">{t("save")}</button></div>
      </form>
      <form className="bo-card bo-form-grid" onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <h3 className="bo-span">{t("boSmtpServer")} {s && <span className="muted">{s.configured ? t("boConfigured") : t("boNotConfigured")}</span>}</h3>
        <label>{t("boHost")}<input name="smtp-host" value={form.host} onChange={set("host")} required /></label>
        <label>{t("boPort")}<input name="smtp-port" type="number" value={form.port} onChange={set("port")} /></label>
        <label>{t("boSecurity")}<select value={form.security} onChange={set("security")}><option value="starttls">STARTTLS</option><option value="tls">TLS</option><option value="none">{t("boNone")}</option></select></label>
        <label>{t("boUsername")}<input name="smtp-username" value={form.username} onChange={set("username")} /></label>
        <label>{t("password")}<input name="smtp-password" type="password" autoComplete="new-password" value={form.password} onChange={set("password")} placeholder={s?.hasPassword ? t("boKeepPassword") : ""} /></label>
        <label>{t("boRate")}<input type="number" min={0} value={form.ratePerSecond} onChange={set("ratePerSecond")} /></label>
        <label>{t("boMailDomain")}<input value={form.mailDomain} onChange={set("mailDomain")} /></label>
        <label>DKIM — {t("boDomain")}<input value={form.dkimDomain} onChange={set("dkimDomain")} /></label>
        <label>DKIM — {t("boSelector")}<input value={form.dkimSelector} onChange={set("dkimSelector")} /></label>
        <label className="bo-span">DKIM — {t("boPrivateKey")}<textarea rows={3} value={form.dkimKey} onChange={set("dkimKey")} placeholder={s?.dkim?.hasPrivateKey ? t("boKeepPassword") : "-----BEGIN PRIVATE KEY-----"} /></label>
        <p className="small muted bo-span">{t("boWriteOnly")}</p>
        <div className="row bo-span">
          <button type="submit" className="primary">{t("save")}</button>
          <button type="button" disabled={!s?.configured} onClick={() => void test()}>{t("boTestConnection")}</button>
          {s?.configured && <button type="button" onClick={() => void run(async () => { setS(await api<EmailSettings>("DELETE", base)); })}>{t("boRemoveSmtp")}</button>}
          {result && <span role="status">{result}</span>}
        </div>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}

interface SmsProvider { configured: boolean; baseUrl?: string; accountSid?: string; from?: string; hasAuthToken: boolean }

/** The project's own Twilio-style SMS account (docs/sms-push.md): the token is write-only. */
function SmsProviderForm({ projectId }: { projectId: string }) {
  const { t } = useT();
  const { error, run } = useAction();
  const base = `${projectPath(projectId)}/sms-provider`;
  const [p, setP] = useState<SmsProvider | null>(null);
  const [form, setForm] = useState({ baseUrl: "https://api.twilio.com/2010-04-01", accountSid: "", authToken: "", from: "" });
  const [result, setResult] = useState("");
  useEffect(() => {
    api<SmsProvider>("GET", base).then((r) => {
      setP(r);
      if (r.configured) setForm((f) => ({ ...f, baseUrl: r.baseUrl ?? f.baseUrl, accountSid: r.accountSid ?? "", from: r.from ?? "" }));
    }, () => setP({ configured: false, hasAuthToken: false }));
  }, [base]);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <form className="bo-card bo-form-grid" data-testid="settings-sms-provider" onSubmit={(e) => { e.preventDefault(); void run(async () => {
      const r = await api<SmsProvider>("PUT", base, { baseUrl: form.baseUrl, accountSid: form.accountSid, from: form.from, ...(form.authToken ? { authToken: form.authToken } : {}) });
      setP(r);
      setForm((f) => ({ ...f, authToken: "" }));
      setResult(t("saved"));
    }); }}>
      <h3 className="bo-span">{t("boSmsProvider")} {p && <span className="muted">{p.configured ? t("boConfigured") : t("boNotConfigured")}</span>}</h3>
      <label>{t("boSmsBaseUrl")}<input name="sms-base-url" value={form.baseUrl} onChange={set("baseUrl")} required /></label>
      <label>{t("boSmsAccount")}<input name="sms-account" value={form.accountSid} onChange={set("accountSid")} required /></label>
      <label>{t("boSmsToken")}<input name="sms-token" type="password" autoComplete="new-password" value={form.authToken} onChange={set("authToken")} placeholder={p?.hasAuthToken ? t("boKeepPassword") : ""} /></label>
      <label>{t("boSmsFrom")}<input name="sms-from" value={form.from} onChange={set("from")} placeholder="+15145550000" required /></label>
      <p className="small muted bo-span">{t("boSmsProviderHelp")}</p>
      <div className="row bo-span">
        <button type="submit" className="primary">{t("save")}</button>
        {p?.configured && <button type="button" onClick={() => void run(async () => { setP(await api<SmsProvider>("DELETE", base)); setResult(t("saved")); })}>{t("boSmsRemove")}</button>}
        {result && <span role="status">{result}</span>}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function SmsPushSection({ projectId }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [sms, setSms] = useState({ defaultCountry: "CA", quiet: true, start: "21:00", end: "09:00" });
  const [sites, setSites] = useState("");
  const [result, setResult] = useState("");
  useEffect(() => {
    api<{ defaultCountry: string; quietHours: { start: string; end: string } | null }>("GET", `${projectPath(projectId)}/sms-settings`).then((r) =>
      setSms({ defaultCountry: r.defaultCountry, quiet: r.quietHours !== null, start: r.quietHours?.start ?? "21:00", end: r.quietHours?.end ?? "09:00" }), () => undefined);
    api<{ sites: string[] }>("GET", `${projectPath(projectId)}/push-settings`).then((r) => setSites(r.sites.join("\n")), () => undefined);
  }, [projectId]);
  return (
    <section className="bo-section" data-testid="settings-sms">
      <h2>{t("boSmsPush")}</h2>
      <form className="bo-card bo-form-grid" onSubmit={(e) => { e.preventDefault(); void run(async () => {
        await api("PUT", `${projectPath(projectId)}/sms-settings`, { defaultCountry: sms.defaultCountry.toUpperCase(), quietHours: sms.quiet ? { start: sms.start, end: sms.end } : null });
        setResult(t("saved"));
      }); }}>
        <h3 className="bo-span">SMS</h3>
        <label>{t("boDefaultCountry")}<input maxLength={2} value={sms.defaultCountry} onChange={(e) => setSms({ ...sms, defaultCountry: e.target.value })} /></label>
        <label className="check"><input type="checkbox" checked={sms.quiet} onChange={(e) => setSms({ ...sms, quiet: e.target.checked })} /> {t("boQuietHours")}</label>
        {sms.quiet && <label>{t("boFrom")}<input type="time" value={sms.start} onChange={(e) => setSms({ ...sms, start: e.target.value })} /></label>}
        {sms.quiet && <label>{t("boTo")}<input type="time" value={sms.end} onChange={(e) => setSms({ ...sms, end: e.target.value })} /></label>}
        <div className="row bo-span"><button type="submit" className="primary">{t("save")}</button></div>
      </form>
      <SmsProviderForm projectId={projectId} />
      <form className="bo-card" onSubmit={(e) => { e.preventDefault(); void run(async () => {
        await api("PUT", `${projectPath(projectId)}/push-settings`, { sites: sites.split(/\s+/).filter(Boolean) });
        setResult(t("saved"));
      }); }}>
        <h3>Web push</h3>
        <label>{t("boPushSites")}<textarea rows={3} value={sites} placeholder="https://shop.example" onChange={(e) => setSites(e.target.value)} /></label>
        <div className="row"><button type="submit" className="primary">{t("save")}</button>{result && <span role="status">{result}</span>}</div>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}

export function ProjectSection({ projectId, config, reload }: SectionProps) {
  const { t } = useT();
  const { error, run } = useAction();
  const [form, setForm] = useState({ timezone: config.timezone, sendHour: String(config.sendHour), ecommerce: !!config.modules.ecommerce, siteTracking: !!config.modules.siteTracking });
  const [result, setResult] = useState("");
  useEffect(() => setForm({ timezone: config.timezone, sendHour: String(config.sendHour), ecommerce: !!config.modules.ecommerce, siteTracking: !!config.modules.siteTracking }), [config]);
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [config.timezone];
  return (
    <section className="bo-section" data-testid="settings-project">
      <h2>{t("boProjectSettings")}</h2>
      <form className="bo-card bo-form-grid" onSubmit={(e) => { e.preventDefault(); void run(async () => {
        await api("PATCH", projectPath(projectId), { timezone: form.timezone, sendHour: Number(form.sendHour), modules: { ecommerce: form.ecommerce, siteTracking: form.siteTracking } });
        await reload();
        setResult(t("saved"));
      }); }}>
        <label>{t("boTimezone")}<input list="bo-zones" value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} /></label>
        <datalist id="bo-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <label>{t("boSendHour")}<select value={form.sendHour} onChange={(e) => setForm({ ...form, sendHour: e.target.value })}>{Array.from({ length: 24 }, (_, h) => <option key={h} value={h}>{String(h).padStart(2, "0")}:00</option>)}</select></label>
        <fieldset className="bo-span"><legend>{t("boModules")}</legend>
          <label className="check"><input type="checkbox" checked={form.ecommerce} onChange={(e) => setForm({ ...form, ecommerce: e.target.checked })} /> {t("boEcommerce")}</label>
          <label className="check"><input type="checkbox" checked={form.siteTracking} onChange={(e) => setForm({ ...form, siteTracking: e.target.checked })} /> {t("boSiteTracking")}</label>
        </fieldset>
        <div className="row bo-span"><button type="submit" className="primary">{t("save")}</button>{result && <span role="status">{result}</span>}</div>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}
