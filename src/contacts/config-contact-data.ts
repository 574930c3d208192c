import type { Store } from "../store/store.js";

/**
 * What removing a piece of configuration does to the contacts' data, as one set-based
 * statement per dialect (a project may hold millions of contacts: no loop in JavaScript).
 * Contacts' documents are TEXT holding JSON in both stores: SQLite edits them with its JSON
 * functions, PostgreSQL through `jsonb`. Call inside `store.transaction`, with the
 * configuration change, so data and configuration never disagree.
 */

/** A SQLite JSON path to a top-level key (`$."alertes-sms"`). */
function sqlitePath(key: string): string {
  // SQLite's JSON paths have no escape for a quote; configuration keys never hold one (config-keys.ts).
  if (/["\\]/.test(key)) throw new Error(`a key with a quote or a backslash cannot be a JSON path: ${key}`);
  return `$."${key}"`;
}

/** Removes `key` from every contact's `fields` (a deleted field) or `subscriptions` (a deleted communication type). */
export async function removeContactKey(store: Store, projectId: string, column: "fields" | "subscriptions", key: string): Promise<void> {
  if (store.dialect === "postgres") {
    await store.execute(`UPDATE contacts SET ${column} = (${column}::jsonb - $1)::text WHERE project_id = $2 AND ${column}::jsonb ? $1`, [key, projectId]);
  } else {
    const path = sqlitePath(key);
    await store.execute(`UPDATE contacts SET ${column} = json_remove(${column}, ?) WHERE project_id = ? AND json_type(${column}, ?) IS NOT NULL`, [path, projectId, path]);
  }
}

/** Takes a deleted group out of every contact's memberships. */
export async function removeGroup(store: Store, projectId: string, group: string): Promise<void> {
  if (store.dialect === "postgres") {
    // `jsonb - text` on an array drops every element equal to that string.
    await store.execute(`UPDATE contacts SET "groups" = ("groups"::jsonb - $1)::text WHERE project_id = $2 AND "groups"::jsonb ? $1`, [group, projectId]);
  } else {
    await store.execute(
      `UPDATE contacts SET "groups" = (SELECT json_group_array(j.value ORDER BY j.key) FROM json_each(contacts."groups") AS j WHERE j.value <> ?)
       WHERE project_id = ? AND EXISTS (SELECT 1 FROM json_each(contacts."groups") AS j WHERE j.value = ?)`,
      [group, projectId, group],
    );
  }
}

/** How many contacts (any status) are members of each group, by group key. */
export async function groupCounts(store: Store, projectId: string): Promise<Map<string, number>> {
  const rows = store.dialect === "postgres"
    ? await store.execute(
      `SELECT g AS grp, COUNT(DISTINCT c.pk) AS n FROM contacts c CROSS JOIN LATERAL jsonb_array_elements_text(c."groups"::jsonb) AS g
       WHERE c.project_id = $1 GROUP BY g`, [projectId])
    : await store.execute(
      `SELECT j.value AS grp, COUNT(DISTINCT c.pk) AS n FROM contacts c, json_each(c."groups") AS j
       WHERE c.project_id = ? GROUP BY j.value`, [projectId]);
  return new Map(rows.map((r) => [String(r.grp), Number(r.n)]));
}

/** Deletes every row of a deleted profiling table for the project's contacts. */
export async function deleteTableRows(store: Store, projectId: string, table: string): Promise<void> {
  const sql = store.dialect === "postgres"
    ? "DELETE FROM table_rows WHERE table_key = $1 AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = $2)"
    : "DELETE FROM table_rows WHERE table_key = ? AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = ?)";
  await store.execute(sql, [table, projectId]);
}

/** Removes a dropped column from every row of a profiling table. */
export async function removeColumn(store: Store, projectId: string, table: string, column: string): Promise<void> {
  if (store.dialect === "postgres") {
    await store.execute(
      `UPDATE table_rows SET row_data = (row_data::jsonb - $1)::text
       WHERE table_key = $2 AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = $3) AND row_data::jsonb ? $1`,
      [column, table, projectId],
    );
  } else {
    const path = sqlitePath(column);
    await store.execute(
      `UPDATE table_rows SET row = json_remove(row, ?)
       WHERE table_key = ? AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = ?) AND json_type(row, ?) IS NOT NULL`,
      [path, table, projectId, path],
    );
  }
}

/** Whether any row of the table holds a value (not null) in `column`. */
export async function columnHasValues(store: Store, projectId: string, table: string, column: string): Promise<boolean> {
  const rows = store.dialect === "postgres"
    ? await store.execute(
      `SELECT 1 AS hit FROM table_rows WHERE table_key = $1 AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = $2)
       AND (row_data::jsonb ->> $3) IS NOT NULL LIMIT 1`, [table, projectId, column])
    : await store.execute(
      `SELECT 1 AS hit FROM table_rows WHERE table_key = ? AND contact_pk IN (SELECT pk FROM contacts WHERE project_id = ?)
       AND json_extract(row, ?) IS NOT NULL LIMIT 1`, [table, projectId, sqlitePath(column)]);
  return rows.length > 0;
}
