import { sharedMigrations } from "../shared-migrations.js";

/**
 * The SQLite schema, applied in order; `meta.schema_version` records how far a database got.
 * Times are epoch milliseconds (INTEGER). JSON columns hold TEXT.
 */
export const SQLITE_MIGRATIONS: string[] = [
  `
  CREATE TABLE projects (id TEXT PRIMARY KEY, config TEXT NOT NULL);

  CREATE TABLE contacts (
    pk INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at INTEGER NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    subscriptions TEXT NOT NULL DEFAULT '{}',
    groups TEXT NOT NULL DEFAULT '[]',
    push TEXT NOT NULL DEFAULT '[]',
    UNIQUE (project_id, id)
  );

  CREATE TABLE table_rows (
    id INTEGER PRIMARY KEY,
    contact_pk INTEGER NOT NULL,
    table_key TEXT NOT NULL,
    row TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX table_rows_contact ON table_rows (contact_pk, table_key);

  CREATE TABLE bounced_addresses (project_id TEXT NOT NULL, address TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (project_id, address));

  CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    contact_pk INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    message_id INTEGER
  );
  CREATE INDEX interactions_contact ON interactions (contact_pk, at);
  CREATE INDEX interactions_project ON interactions (project_id, at);

  CREATE TABLE promo_codes (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    bank TEXT NOT NULL,
    code TEXT NOT NULL,
    contact_pk INTEGER,
    journey_id INTEGER,
    granted_at INTEGER,
    UNIQUE (project_id, bank, code)
  );
  CREATE INDEX promo_codes_free ON promo_codes (project_id, bank, id) WHERE contact_pk IS NULL;

  CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    status TEXT NOT NULL,
    seed INTEGER NOT NULL DEFAULT 0,
    activated_at INTEGER,
    paused_at INTEGER,
    state TEXT NOT NULL DEFAULT '{}'
  );

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    element TEXT NOT NULL,
    at INTEGER NOT NULL,
    key TEXT NOT NULL,
    size INTEGER,
    UNIQUE (campaign_id, key)
  );

  CREATE TABLE journeys (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    contact_pk INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    run_id INTEGER,
    entered_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT,
    element TEXT,
    due_at INTEGER,
    state INTEGER NOT NULL DEFAULT 0,
    hop INTEGER NOT NULL DEFAULT 0,
    trigger_data TEXT,
    promo_code TEXT,
    -- The journey log: ',["element","exit",at]' appended per step, in the move's own UPDATE.
    path TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX journeys_due ON journeys (campaign_id, element, due_at, contact_id) WHERE state < 2;
  CREATE INDEX journeys_held ON journeys (campaign_id, element) WHERE state = 2;
  CREATE INDEX journeys_contact ON journeys (contact_pk, campaign_id);

  -- The journey log as rows, for reports and ad-hoc queries.
  CREATE VIEW steps AS
    SELECT j.id AS journey_id, s.key AS seq, s.value ->> 0 AS element, s.value ->> 1 AS exit, s.value ->> 2 AS at
    FROM journeys j, json_each('[' || substr(j.path, 2) || ']') s;

  CREATE TABLE element_stats (
    campaign_id TEXT NOT NULL, element TEXT NOT NULL, exit TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, element, exit)
  ) WITHOUT ROWID;

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    journey_id INTEGER NOT NULL,
    contact_pk INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    element TEXT NOT NULL,
    hop INTEGER NOT NULL,
    channel TEXT NOT NULL,
    comm_type TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    send_after INTEGER,
    sent_at INTEGER,
    payload TEXT NOT NULL DEFAULT '{}',
    delivered_at INTEGER,
    opened_at INTEGER,
    clicked_at INTEGER,
    bounced_at INTEGER,
    bounce_hard INTEGER,
    complained_at INTEGER,
    unsubscribed_at INTEGER,
    unsubscribed_type TEXT,
    UNIQUE (journey_id, element, hop)
  );
  CREATE INDEX messages_outbox ON messages (send_after) WHERE status = 'queued';

  CREATE TABLE clicks (message_id INTEGER NOT NULL, at INTEGER NOT NULL, url TEXT);
  CREATE INDEX clicks_message ON clicks (message_id);

  CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    element TEXT NOT NULL,
    destination TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    batch_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    rows TEXT NOT NULL DEFAULT '[]',
    UNIQUE (campaign_id, element, batch_key)
  );

  CREATE TABLE postal_history (
    project_id TEXT NOT NULL,
    destination TEXT NOT NULL,
    contact_pk INTEGER NOT NULL,
    file_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    address TEXT
  );
  CREATE INDEX postal_history_contact ON postal_history (project_id, destination, contact_pk, at);

  CREATE TABLE counters (
    campaign_id TEXT NOT NULL, element TEXT NOT NULL, period TEXT NOT NULL, exit TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, element, period, exit)
  ) WITHOUT ROWID;

  CREATE TABLE variants (
    journey_id INTEGER NOT NULL, element TEXT NOT NULL, variant TEXT, released INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (journey_id, element)
  ) WITHOUT ROWID;

  CREATE TABLE timers (
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    element TEXT NOT NULL,
    contact_pk INTEGER,
    due_at INTEGER NOT NULL,
    kind TEXT NOT NULL
  );
  CREATE INDEX timers_due ON timers (due_at);

  CREATE TABLE notices (id INTEGER PRIMARY KEY, campaign_id TEXT, element TEXT, at INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT);
  `,
  ...sharedMigrations("sqlite"),
];
