import { useCallback, useEffect, useState } from "react";
import type { ProjectConfig } from "../../../src/model/index.js";
import { api } from "../api.js";
import type { Lang } from "../i18n.js";
import { BACKOFFICE_STRINGS } from "../i18n-backoffice.js";

/** `/projects/:id` path prefix, encoded. */
export const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}`;

/**
 * The project's configuration read fresh from the API (the copy the shell holds was read at
 * sign-in and settings may have changed since); `reload` re-reads it after a change.
 */
export function useProjectConfig(projectId: string, initial: ProjectConfig): { config: ProjectConfig; reload: () => Promise<void> } {
  const [config, setConfig] = useState<ProjectConfig>(initial);
  const reload = useCallback(async () => {
    const p = await api<{ config: ProjectConfig }>("GET", projectPath(projectId));
    setConfig(p.config);
  }, [projectId]);
  useEffect(() => void reload().catch(() => undefined), [reload]);
  return { config, reload };
}

/** A date and time in the user's language (— when absent). */
export function fmtTime(ms: number | null | undefined, lang: Lang): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString(lang === "fr" ? "fr-CA" : "en-CA", { dateStyle: "medium", timeStyle: "short" });
}

/** Runs an async action and shows its error: the message of a problem answer, else the error text. */
export function useAction(): { error: string; busy: boolean; run: (f: () => Promise<unknown>) => Promise<boolean>; setError: (e: string) => void } {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (f: () => Promise<unknown>) => {
    setError("");
    setBusy(true);
    try {
      await f();
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, busy, run, setError };
}

/** An error line (role alert) when there is one. */
export function ErrorLine({ error }: { error: string }) {
  return error ? <p className="error bo-error" role="alert">{error}</p> : null;
}

/** A back-office string by a key built at run time, or `fallback` when the dictionary lacks it. */
export function tOr(key: string, lang: Lang, fallback: string): string {
  const entry = (BACKOFFICE_STRINGS as Record<string, { fr: string; en: string } | undefined>)[key];
  return entry ? entry[lang] : fallback;
}
