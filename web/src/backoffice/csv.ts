/** The delimiter of a CSV header line: the most frequent of `,` `;` tab (outside quotes). */
export function detectDelimiter(firstLine: string): string {
  const counts: Record<string, number> = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch]!++;
  }
  return Object.entries(counts).sort((a, b) => b[1] - a[1])[0]![1] > 0 ? Object.entries(counts).sort((a, b) => b[1] - a[1])[0]![0] : ",";
}

/**
 * The header and first rows of a CSV text (RFC 4180: quoted cells, doubled quotes, line breaks
 * inside quotes), for the preview. The server reads the whole file again: this is only a look.
 */
export function parseCsvPreview(text: string, maxRows = 10): { header: string[]; rows: string[][]; delimiter: string } {
  const body = text.replace(/^\uFEFF/, "");
  const delimiter = detectDelimiter(body.split(/\r?\n/, 1)[0] ?? "");
  const records: string[][] = [];
  let cell = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < body.length && records.length <= maxRows; i++) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === delimiter) { row.push(cell); cell = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && body[i + 1] === "\n") i++;
      row.push(cell);
      cell = "";
      if (!(row.length === 1 && row[0] === "")) records.push(row);
      row = [];
    } else cell += ch;
  }
  if ((cell !== "" || row.length > 0) && records.length <= maxRows) { row.push(cell); records.push(row); }
  const [header = [], ...rows] = records;
  return { header: header.map((h) => h.trim()), rows: rows.slice(0, maxRows), delimiter };
}

/** One CSV cell, quoted when it holds a delimiter, a quote or a line break (and formula-looking text defused). */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : String(value);
  // A spreadsheet runs a cell starting with = + - @ as a formula: a leading quote keeps it text.
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV text of a header and rows, CRLF line ends (what spreadsheets expect). */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

export interface Rejection { row: number; line: number; column: string; reason: string }

/** The import report's rejected rows as CSV: row, line, column, reason. */
export function rejectionsCsv(rejections: Rejection[], header = ["row", "line", "column", "reason"]): string {
  return toCsv(header, rejections.map((r) => [r.row, r.line, r.column, r.reason]));
}
