import { channelsDdl } from "../channels/sms/schema.js";
import { emailDdl } from "../channels/email/schema.js";
import { exportsDdl } from "../exports/schema.js";
import { trackingDdl } from "../tracking/schema.js";
import { directoryDdl } from "./directory/schema.js";
import { exportsUploadDdl } from "../exports/upload-schema.js";
import { commerceDdl } from "../commerce/schema.js";
import { siteDdl } from "../site/schema.js";

/**
 * The migrations both stores apply after their engine tables, in this order (each one entry of
 * the store's list, so `schema_version` counts them the same way on both). Written once: only the
 * column types differ between the dialects.
 */
export function sharedMigrations(dialect: "sqlite" | "postgres"): string[] {
  const int = dialect === "postgres" ? "BIGINT" : "INTEGER";
  return [
    directoryDdl(dialect),
    // Reports read messages by campaign (the per-send funnel) and the outbox pages a project's
    // messages newest first: without these, both scan every message of the instance.
    `
  CREATE INDEX messages_campaign ON messages (campaign_id, element);
  CREATE INDEX messages_project ON messages (project_id, id);
  -- An import's last sign of life: one whose process died is marked failed (CsvImports.failAbandoned).
  ALTER TABLE imports ADD COLUMN heartbeat_at ${int};
  `,
    emailDdl(dialect),
    trackingDdl(dialect),
    exportsDdl(dialect),
    channelsDdl(dialect),
    exportsUploadDdl(dialect),
    commerceDdl(dialect),
    siteDdl(dialect),
  ];
}
