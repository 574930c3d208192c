import {
  DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector,
  SqliteQueryCompiler, type Compilable,
} from "kysely";
import type { Store } from "../store.js";

/** Rows of the directory's tables as stored (see `schema.ts`). */
export interface DirectoryTables {
  users: { id: string; email: string; name: string; password_hash: string; is_admin: number; lang: string; created_at: number };
  sessions: { token_hash: string; user_id: string; created_at: number; expires_at: number };
  memberships: { user_id: string; project_id: string; role: string };
  api_keys: {
    id: string; project_id: string; name: string; prefix: string; key_hash: string; role: string;
    created_at: number; last_used_at: number | null; revoked_at: number | null;
  };
  project_info: { id: string; name: string; default_sender: string | null; created_at: number };
  subscription_log: { id?: number; project_id: string; contact_pk: number; comm_type: string; subscribed: number; at: number; source: string };
  imports: {
    id: string; project_id: string; status: string; file_name: string; options: string; processed_rows: number;
    created_count: number; updated_count: number; rejected_count: number; rejections: string; error: string | null;
    created_at: number; finished_at: number | null; heartbeat_at: number | null;
  };
  templates: { id: string; project_id: string; name: string; doc: string; created_at: number; updated_at: number };
  campaign_versions: { campaign_id: string; version: number; doc: string; published_at: number };
  secrets: { project_id: string; scope: string; key: string; ciphertext: string };
  approval_notices: { campaign_id: string; element: string; first_message: number; recipients: number; notified_at: number; error: string | null };
  sms_smsc_ids: { smsc_id: string; message_id: number; created_at: number };
  push_vapid: { id: string; public_key: string; private_key: string; created_at: number };
  system_emails: { id: number; project_id: string; recipients: string; subject: string; body: string; created_at: number; sent_at: number | null; error: string | null };
  /**
   * The engine's tables, for reads that aggregate (reports, search, metrics). Columns that differ
   * between dialects are left out (journeys.path is TEXT on SQLite, JSONB on PostgreSQL; table_rows'
   * document column is `row` vs `row_data`): go through the Store for those.
   */
  projects: { id: string; config: string };
  campaigns: { id: string; project_id: string; doc: string; status: string; seed: number; activated_at: number | null; paused_at: number | null; state: string };
  contacts: {
    pk: number; project_id: string; id: string; status: string; created_at: number; fields: string; subscriptions: string; groups: string; push: string;
  };
  journeys: {
    id: number; campaign_id: string; contact_pk: number; contact_id: string; run_id: number | null; entered_at: number; ended_at: number | null;
    outcome: string | null; element: string | null; due_at: number | null; state: number; hop: number; trigger_data: string | null; promo_code: string | null;
  };
  messages: {
    id: number; project_id: string; campaign_id: string; journey_id: number; contact_pk: number; contact_id: string; element: string; hop: number;
    channel: string; comm_type: string | null; status: string; reason: string | null; created_at: number; send_after: number | null; sent_at: number | null;
    payload: string; delivered_at: number | null; opened_at: number | null; clicked_at: number | null; bounced_at: number | null;
    bounce_hard: number | boolean | null; complained_at: number | null; unsubscribed_at: number | null; unsubscribed_type: string | null;
  };
  element_stats: { campaign_id: string; element: string; exit: string; n: number };
  promo_codes: { id: number; project_id: string; bank: string; code: string; contact_pk: number | null; journey_id: number | null; granted_at: number | null };
  interactions: { id: number; project_id: string; contact_pk: number; type: string; at: number; message_id: number | null };
  clicks: { message_id: number; at: number; url: string | null };
}

/**
 * Kysely as a query builder only: queries are compiled for the store's dialect and executed by
 * the store (`Store.execute`), so they join its transactions. One implementation serves SQLite
 * and PostgreSQL.
 */
export class DirectoryDb {
  readonly q: Kysely<DirectoryTables>;

  constructor(readonly store: Store) {
    const pgDialect = store.dialect === "postgres";
    this.q = new Kysely<DirectoryTables>({
      dialect: {
        createAdapter: () => (pgDialect ? new PostgresAdapter() : new SqliteAdapter()),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => (pgDialect ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
        createQueryCompiler: () => (pgDialect ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
      },
    });
  }

  async all<R>(query: Compilable<R>): Promise<R[]> {
    const c = query.compile();
    return (await this.store.execute(c.sql, c.parameters)) as R[];
  }

  async first<R>(query: Compilable<R>): Promise<R | undefined> {
    return (await this.all(query))[0];
  }

  async run(query: Compilable<unknown>): Promise<void> {
    await this.all(query);
  }
}
