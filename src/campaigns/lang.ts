import type { Lang } from "../model/index.js";

/**
 * The language of finding messages: `?lang=` when given, else the first of French or English the
 * caller's `Accept-Language` prefers (by quality, then order), else French (Relais's default).
 */
export function findingsLang(query: Lang | undefined, acceptLanguage: string | undefined): Lang {
  if (query) return query;
  if (!acceptLanguage) return "fr";
  const ranked = acceptLanguage
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { lang: tag.split("-")[0], q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.q > 0 && (x.lang === "fr" || x.lang === "en"))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked[0]?.lang as Lang | undefined) ?? "fr";
}
