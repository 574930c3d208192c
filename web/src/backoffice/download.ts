/** Offers `text` as a file download (a client-side Blob; nothing goes to the server). */
export function downloadText(fileName: string, text: string, type = "text/csv;charset=utf-8"): void {
  // The BOM makes spreadsheets read the CSV as UTF-8 (accents intact).
  const blob = new Blob([type.startsWith("text/csv") ? "\uFEFF" : "", text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
