/**
 * Upload state of export and postal files (issue 8). Appended to the shared migrations after
 * `exportsDdl`, which already shipped as an empty migration and cannot change.
 *
 * - `file_rows`: a file's rows, one per line of the CSV, in `seq` order (1, 2, …). Appending a
 *   batch inserts rows instead of rewriting one growing JSON text (that was O(n²)).
 * - `file_postal`: for postal files, who each row holds and with which address; moved into
 *   `postal_history` only once the file is uploaded (ELEMENTS.md: files the destination *received*).
 * - `files` gains its project, its CSV columns and its upload state (docs/exports.md, "Uploads").
 *
 * Files written before this migration keep their rows (moved to `file_rows`) and are queued
 * (`pending`): they were never delivered. Their postal history was recorded on write already.
 */
export function exportsUploadDdl(dialect: "sqlite" | "postgres"): string {
  const pg = dialect === "postgres";
  const key = pg ? 'TEXT COLLATE "C"' : "TEXT";
  const int = pg ? "BIGINT" : "INTEGER";
  const moveRows = pg
    ? "INSERT INTO file_rows (file_id, seq, data) SELECT f.id, e.n, e.v::text FROM files f CROSS JOIN LATERAL json_array_elements(f.rows::json) WITH ORDINALITY AS e(v, n);"
    : "INSERT INTO file_rows (file_id, seq, data) SELECT f.id, j.key + 1, j.value FROM files f, json_each(f.rows) j;";
  const rowCount = pg ? "json_array_length(rows::json)" : "json_array_length(rows)";
  return `
CREATE TABLE file_rows (
  file_id ${int} NOT NULL,
  seq ${int} NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (file_id, seq)
)${pg ? "" : " WITHOUT ROWID"};
CREATE TABLE file_postal (
  file_id ${int} NOT NULL,
  seq ${int} NOT NULL,
  contact_pk ${int} NOT NULL,
  at ${int} NOT NULL,
  kind ${key} NOT NULL,
  address TEXT,
  PRIMARY KEY (file_id, seq)
);
CREATE INDEX file_postal_contact ON file_postal (contact_pk);
ALTER TABLE files ADD COLUMN project_id ${key};
ALTER TABLE files ADD COLUMN columns TEXT;
ALTER TABLE files ADD COLUMN status ${key} NOT NULL DEFAULT 'pending';
ALTER TABLE files ADD COLUMN attempts ${int} NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN last_error TEXT;
ALTER TABLE files ADD COLUMN ready_at ${int};
ALTER TABLE files ADD COLUMN next_attempt_at ${int};
ALTER TABLE files ADD COLUMN lease_until ${int};
ALTER TABLE files ADD COLUMN lease_owner ${key};
ALTER TABLE files ADD COLUMN row_count ${int} NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN uploaded_rows ${int} NOT NULL DEFAULT 0;
ALTER TABLE files ADD COLUMN bytes ${int};
ALTER TABLE files ADD COLUMN uploaded_at ${int};
ALTER TABLE files ADD COLUMN updated_at ${int};
${moveRows}
UPDATE files SET project_id = (SELECT c.project_id FROM campaigns c WHERE c.id = files.campaign_id), row_count = ${rowCount}, ready_at = created_at, updated_at = created_at;
ALTER TABLE files DROP COLUMN rows;
CREATE INDEX files_due ON files (status, ready_at);
CREATE INDEX files_project ON files (project_id, id);
`;
}
