/** Columns of the contact list besides the unique key: a field key, or one of these. */
export const EXTRA_COLUMNS = ["status", "createdAt", "groups"] as const;

const storageKey = (projectId: string) => `relais.contactColumns.${projectId}`;

/** The columns this user picked for the project's contact list (remembered in this browser), or the defaults. */
export function loadColumns(projectId: string, available: string[], defaults: string[]): string[] {
  try {
    const raw = localStorage.getItem(storageKey(projectId));
    if (raw) {
      const saved = JSON.parse(raw) as unknown;
      if (Array.isArray(saved)) return saved.filter((c): c is string => typeof c === "string" && available.includes(c));
    }
  } catch {
    // unreadable or private mode: the defaults
  }
  return defaults.filter((c) => available.includes(c));
}

export function saveColumns(projectId: string, columns: string[]): void {
  try {
    localStorage.setItem(storageKey(projectId), JSON.stringify(columns));
  } catch {
    // private mode: the choice lasts for the page
  }
}

/** The column list with `column` turned on or off, kept in the order of `available`. */
export function toggleColumn(columns: string[], column: string, on: boolean, available: string[]): string[] {
  const set = new Set(columns);
  if (on) set.add(column);
  else set.delete(column);
  return available.filter((c) => set.has(c));
}
