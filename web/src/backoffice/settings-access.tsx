import { useCallback, useEffect, useState } from "react";
import { api } from "../api.js";
import { useT } from "../i18n.js";
import type { SectionProps } from "./settings-config.js";
import { ErrorLine, fmtTime, projectPath, useAction } from "./shared.js";

const ROLES = ["admin", "editor", "approver", "viewer"] as const;
interface ApiKey { id: string; name: string; prefix: string; role: string; createdAt: number; lastUsedAt: number | null; revokedAt: number | null }
interface Member { user: { id: string; email: string; name: string }; role: string }

/** Members and their roles; API keys (the key itself is shown once, right after creation). */
export function AccessSection({ projectId }: SectionProps) {
  const { t, lang } = useT();
  const { error, run } = useAction();
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [members, setMembers] = useState<Member[]>([]);
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("editor");
  const [fresh, setFresh] = useState<string | null>(null);
  const [email, setEmail] = useState("");
  const [memberRole, setMemberRole] = useState<string>("editor");
  const base = projectPath(projectId);
  const load = useCallback(async () => {
    const [k, m] = await Promise.all([api<{ apiKeys: ApiKey[] }>("GET", `${base}/api-keys`), api<{ members: Member[] }>("GET", `${base}/members`)]);
    setKeys(k.apiKeys);
    setMembers(m.members);
  }, [base]);
  useEffect(() => void run(load), [load, run]);
  return (
    <section className="bo-section" data-testid="settings-access">
      <h2>{t("boMembers")}</h2>
      <table className="list bo-list">
        <thead><tr><th>{t("name")}</th><th>{t("email")}</th><th>{t("boRole")}</th><th /></tr></thead>
        <tbody>{members.map((m) => (
          <tr key={m.user.id}><td>{m.user.name}</td><td>{m.user.email}</td>
            <td><select aria-label={t("boRole")} value={m.role} onChange={(e) => void run(async () => { await api("PUT", `${base}/members`, { email: m.user.email, role: e.target.value }); await load(); })}>{ROLES.map((r) => <option key={r} value={r}>{t(`boRole_${r}`)}</option>)}</select></td>
            <td><button onClick={() => void run(async () => { await api("DELETE", `${base}/members/${encodeURIComponent(m.user.id)}`); await load(); })}>{t("boRemove")}</button></td></tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void run(async () => { await api("PUT", `${base}/members`, { email, role: memberRole }); setEmail(""); await load(); }); }}>
        <input type="email" placeholder={t("email")} value={email} onChange={(e) => setEmail(e.target.value)} required />
        <select aria-label={t("boRole")} value={memberRole} onChange={(e) => setMemberRole(e.target.value)}>{ROLES.map((r) => <option key={r} value={r}>{t(`boRole_${r}`)}</option>)}</select>
        <button type="submit" className="primary">{t("boAddMember")}</button>
      </form>
      <h2>{t("boApiKeys")}</h2>
      {fresh && (
        <div className="bo-card bo-fresh-key" role="status" data-testid="new-key">
          <p><strong>{t("boKeyShownOnce")}</strong></p>
          <code data-testid="new-key-value">{fresh}</code>
          <div className="row"><button onClick={() => void navigator.clipboard?.writeText(fresh)}>{t("boCopy")}</button><button onClick={() => setFresh(null)}>{t("boClose")}</button></div>
        </div>
      )}
      <table className="list bo-list">
        <thead><tr><th>{t("name")}</th><th>{t("boPrefix")}</th><th>{t("boRole")}</th><th>{t("boCreatedAt")}</th><th>{t("boLastUsed")}</th><th /></tr></thead>
        <tbody>{keys.map((k) => (
          <tr key={k.id} className={k.revokedAt ? "muted" : ""}><td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{t(`boRole_${k.role}` as never)}</td><td>{fmtTime(k.createdAt, lang)}</td><td>{fmtTime(k.lastUsedAt, lang)}</td>
            <td>{k.revokedAt ? `${t("boRevoked")} ${fmtTime(k.revokedAt, lang)}` : <button onClick={() => void run(async () => { await api("DELETE", `${base}/api-keys/${encodeURIComponent(k.id)}`); await load(); })}>{t("boRevoke")}</button>}</td></tr>
        ))}</tbody>
      </table>
      <form className="row bo-add" onSubmit={(e) => { e.preventDefault(); void run(async () => { const r = await api<{ key: string }>("POST", `${base}/api-keys`, { name, role }); setFresh(r.key); setName(""); await load(); }); }}>
        <input name="key-name" placeholder={t("name")} value={name} onChange={(e) => setName(e.target.value)} required />
        <select aria-label={t("boRole")} value={role} onChange={(e) => setRole(e.target.value)}>{ROLES.map((r) => <option key={r} value={r}>{t(`boRole_${r}`)}</option>)}</select>
        <button type="submit" className="primary" data-testid="create-key">{t("boCreateKey")}</button>
      </form>
      <ErrorLine error={error} />
    </section>
  );
}
