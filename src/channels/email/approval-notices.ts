import nodemailer, { type Transporter } from "nodemailer";
import type { Clock } from "../../engine/clock.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";
import type { Store } from "../../store/store.js";

/** How Relais writes to its users (not to contacts): over SMTP when configured, else only kept. */
export interface SystemMailer {
  send(mail: { to: string[]; subject: string; text: string }): Promise<void>;
  close?(): void;
}

/** System mail over `SMTP_URL` (the same server as campaigns), from `RELAIS_MAIL_FROM`. */
export function smtpSystemMailer(env: NodeJS.ProcessEnv): SystemMailer | undefined {
  const url = env.SMTP_URL?.trim();
  if (!url) return undefined;
  const u = new URL(url);
  const transporter: Transporter = nodemailer.createTransport({
    host: u.hostname, port: Number(u.port || (u.protocol === "smtps:" ? 465 : 587)), secure: u.protocol === "smtps:",
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    ...(u.searchParams.get("tls") === "off" ? { ignoreTLS: true } : {}),
  });
  const from = env.RELAIS_MAIL_FROM ?? "Relais <no-reply@relais.local>";
  return {
    async send(mail) {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close: () => transporter.close(),
  };
}

export interface ApprovalNoticeDeps {
  store: Store;
  db: DirectoryDb;
  clock: Clock;
  /** Where the links point (the server's public URL). */
  baseUrl: string;
  mailer?: SystemMailer;
  log: (line: string) => void;
}

/**
 * Tells the approvers when emails wait for their approval: one email per approval request (the
 * pending emails a send prepared, named by the first of them), to the project's members with the
 * approver or admin role (the instance administrators when it has none), in French and English.
 * The notice is recorded before it is sent, in the same transaction that claims it: however many
 * servers run this, a request is announced once; a failed send is kept with its error.
 */
export async function notifyApprovers(deps: ApprovalNoticeDeps): Promise<number> {
  const { store, db, clock } = deps;
  const now = clock.now();
  const pending = await db.all(
    db.q.selectFrom("messages")
      .select((eb) => ["campaign_id", "element", "project_id", eb.fn.min("id").as("first"), eb.fn.countAll().as("n")])
      .where("status", "=", "pendingApproval")
      .groupBy(["campaign_id", "element", "project_id"]),
  );
  let sent = 0;
  for (const p of pending) {
    const claim = await store.transaction(async () => {
      const rows = await db.all(db.q.insertInto("approval_notices")
        .values({ campaign_id: p.campaign_id, element: p.element, first_message: Number(p.first), recipients: Number(p.n), notified_at: now, error: null })
        .onConflict((oc) => oc.doNothing()).returning("campaign_id"));
      if (rows.length === 0) return undefined;
      let to = (await db.all(db.q.selectFrom("memberships").innerJoin("users", "users.id", "memberships.user_id").select("users.email")
        .where("memberships.project_id", "=", p.project_id).where("memberships.role", "in", ["approver", "admin"]))).map((r) => r.email);
      if (to.length === 0) to = (await db.all(db.q.selectFrom("users").select("email").where("is_admin", "=", 1))).map((r) => r.email);
      const campaign = await db.first(db.q.selectFrom("campaigns").select("doc").where("id", "=", p.campaign_id));
      const name = campaign ? (JSON.parse(campaign.doc) as { name?: string }).name ?? p.campaign_id : p.campaign_id;
      const n = Number(p.n);
      const link = `${deps.baseUrl.replace(/\/+$/, "")}/api/v1/projects/${p.project_id}/campaigns/${p.campaign_id}/approvals/${p.element}`;
      const subject = `[Relais] Approbation demandée / Approval requested : ${name} (${n.toLocaleString("fr-CA")})`;
      const body = [
        `Bonjour,`, ``, `La campagne « ${name} » a préparé ${n.toLocaleString("fr-CA")} courriel(s) à l'étape ${p.element}. Rien ne sera envoyé avant votre approbation.`,
        `Aperçu et décision : ${link}`, ``, `---`, ``,
        `Hello,`, ``, `The campaign “${name}” prepared ${n.toLocaleString("en")} email(s) at step ${p.element}. Nothing is sent before you approve.`,
        `Preview and decision: ${link}`,
      ].join("\n");
      const [mail] = await db.all(db.q.insertInto("system_emails")
        .values({ project_id: p.project_id, recipients: JSON.stringify(to), subject, body, created_at: now, sent_at: null, error: null } as never)
        .returning("id"));
      return { to, subject, body, id: Number(mail.id) };
    });
    if (!claim) continue;
    if (!deps.mailer || claim.to.length === 0) {
      sent++;
      continue;
    }
    try {
      await deps.mailer.send({ to: claim.to, subject: claim.subject, text: claim.body });
      await store.transaction(() => db.run(db.q.updateTable("system_emails").set({ sent_at: clock.now() }).where("id", "=", claim.id)));
      sent++;
    } catch (e) {
      const error = (e as Error).message;
      deps.log(`approval notice for ${p.campaign_id}/${p.element} not sent: ${error}`);
      await store.transaction(async () => {
        await db.run(db.q.updateTable("system_emails").set({ error }).where("id", "=", claim.id));
        await db.run(db.q.updateTable("approval_notices").set({ error }).where("campaign_id", "=", p.campaign_id).where("element", "=", p.element).where("first_message", "=", Number(p.first)));
      });
    }
  }
  return sent;
}
