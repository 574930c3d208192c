/** Bytes for people: 1 234 o, 12,3 Ko… (French) or B, KB… (English). */
export function fmtBytes(n: number | null, lang: "fr" | "en"): string {
  if (n === null) return "—";
  const units = lang === "fr" ? ["o", "Ko", "Mo", "Go"] : ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toLocaleString(lang === "fr" ? "fr-CA" : "en-CA", { maximumFractionDigits: 1 })} ${units[u]}`;
}
