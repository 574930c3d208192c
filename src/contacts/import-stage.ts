import { Parser, type CsvError } from "csv-parse";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ProjectConfig } from "../model/index.js";
import { ImportDecoder, type ImportEncoding } from "./import-decode.js";
import { resolveMapping, type ImportMapping, type ResolvedMapping } from "./import-mapping.js";
import { ImportRefused } from "./import-refused.js";

/** Longest row accepted, in characters: beyond it the file almost surely has a quote that is never closed. */
export const MAX_ROW_CHARS = 1_000_000;

/** The delimiters recognized, in the order ties are broken. */
const DELIMITERS = [",", ";", "\t"] as const;

export interface StageOptions {
  encoding: ImportEncoding;
  mapping: ImportMapping;
  config: ProjectConfig;
  /** Largest file accepted, in bytes. */
  maxBytes?: number;
  /** Folder for the staged rows (default: the system's temporary folder). */
  dir?: string;
}

/**
 * An upload checked from end to end and written to a temporary file, one line per data row:
 * the cells of the mapped columns, then the line where the row starts in the original file
 * (see `readStaged`). Nothing has been written to the store yet.
 */
export interface StagedFile {
  path: string;
  header: string[];
  delimiter: string;
  mapping: ResolvedMapping;
  /** Data rows (the header and empty lines excluded). */
  rows: number;
  bytes: number;
  /** Removes the temporary file. */
  discard(): Promise<void>;
}

/**
 * Streams an upload to a temporary file while checking it: encoding (strict UTF-8, or
 * Windows-1252), CSV structure (quotes, the same number of values on every row) and the header
 * against the mapping. Any problem refuses the whole file (`ImportRefused`) before a single
 * contact is written; an unknown column is refused as soon as the header is read.
 */
export async function stageCsv(source: AsyncIterable<Uint8Array>, o: StageOptions): Promise<StagedFile> {
  const dir = await mkdtemp(join(o.dir ?? tmpdir(), "relais-import-"));
  const path = join(dir, "rows.ndjson");
  const discard = () => rm(dir, { recursive: true, force: true });
  const decoder = new ImportDecoder(o.encoding);
  const maxBytes = o.maxBytes ?? Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  const it = source[Symbol.asyncIterator]();
  const decode = (chunk: Uint8Array): Uint8Array => {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      throw new ImportRefused("payload_too_large", `the file is larger than the ${maxBytes.toLocaleString("en")} bytes accepted`, [{ path: "file", message: "too large" }]);
    }
    return decoder.write(chunk);
  };
  try {
    // The delimiter is read from the header line, so the first bytes are held until a line ends.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let done = false;
    while (!head.some((b) => b.includes(10)) && headBytes < MAX_ROW_CHARS) {
      const next = await it.next();
      const b = next.done ? decoder.end() : decode(next.value);
      head.push(b);
      headBytes += b.length;
      if (next.done) {
        done = true;
        break;
      }
    }
    const headText = new TextDecoder().decode(Buffer.concat(head));
    if (headText.trim() === "") throw new ImportRefused("invalid_csv", "the file is empty: it needs a header row naming its columns", [{ path: "file", message: "empty" }]);
    const delimiter = detectDelimiter(headText);
    const utf8 = async function* () {
      try {
        yield* head.filter((b) => b.length > 0);
        if (done) return;
        for (let next = await it.next(); !next.done; next = await it.next()) {
          const b = decode(next.value);
          if (b.length) yield b;
        }
        const last = decoder.end();
        if (last.length) yield last;
      } finally {
        if (!done) await it.return?.();
      }
    };
    const parser = new LineTaggingParser({ delimiter, bom: true, relax_quotes: true, skip_empty_lines: true, max_record_size: MAX_ROW_CHARS });
    let header: string[] | undefined;
    let mapping: ResolvedMapping | undefined;
    let rows = 0;
    let batch = "";
    let crlfSeen = 0;
    // A plain transform, not an async generator: an await per record cost half a second a million rows.
    const serialize = new Transform({
      writableObjectMode: true,
      transform(record: string[], _encoding, callback) {
        // The parser tags each record with the line where it ends, as csv-parse counts lines: a
        // \r\n inside a quoted value counts twice there. Take those back, and this record's own
        // line breaks, to get the line where it starts.
        let line = Number(record.pop());
        for (const cell of record) {
          if (cell.indexOf("\n") === -1 && cell.indexOf("\r") === -1) continue;
          const b = lineBreaks(cell);
          crlfSeen += b.crlf;
          line -= b.lines;
        }
        line -= crlfSeen;
        if (!mapping) {
          header = record;
          try {
            mapping = resolveMapping(record, o.mapping, o.config);
          } catch (e) {
            return callback(e as Error);
          }
          return callback();
        }
        rows++;
        for (const c of mapping.columns) batch += `${escapeCell(record[c.index])}\t`;
        batch += `${line}\n`;
        if (batch.length < 1 << 20) return callback();
        const out = batch;
        batch = "";
        callback(null, out);
      },
      flush(callback) {
        callback(null, batch || undefined);
      },
    });
    try {
      await pipeline(Readable.from(utf8(), { objectMode: false }), parser, serialize, createWriteStream(path));
    } catch (e) {
      throw refusalOf(e, parser.lastLine - crlfSeen);
    }
    if (!mapping || !header) throw new ImportRefused("invalid_csv", "the file is empty: it needs a header row naming its columns", [{ path: "file", message: "empty" }]);
    return { path, header: header.map((h) => h.trim()), delimiter, mapping, rows, bytes, discard };
  } catch (e) {
    await discard();
    throw e;
  }
}

/**
 * csv-parse's stream parser with each record tagged with the line where it ends, read from the
 * parser's live counters (its `on_record` hook would copy them into a new object per record,
 * a fifth of the parsing time).
 */
class LineTaggingParser extends Parser {
  /** The line where the last complete record ended. */
  lastLine = 0;

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (Array.isArray(record)) {
      this.lastLine = this.info.lines;
      record.push(String(this.info.lines));
    }
    return super.push(record, encoding);
  }
}

/** The line breaks in a value (\r\n, \n or \r), and how many of them are \r\n. */
function lineBreaks(cell: string): { lines: number; crlf: number } {
  let lines = 0;
  let crlf = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c === 10) lines++;
    else if (c === 13) {
      if (cell.charCodeAt(i + 1) === 10) crlf++;
      else lines++;
    }
  }
  return { lines, crlf };
}

/** The delimiter used most often outside quotes on the header line (ties: comma, then semicolon, then tab). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      if (ch === "\n" || ch === "\r") break;
      const n = counts.get(ch);
      if (n !== undefined) counts.set(ch, n + 1);
    }
  }
  let best: string = DELIMITERS[0];
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** A csv-parse error as a refusal that names the line; anything else (a closed connection, a full disk) as it is. */
function refusalOf(e: unknown, lastLine: number): unknown {
  if (e instanceof ImportRefused) return e;
  const err = e as CsvError & { lines?: number; record?: unknown[] };
  if (typeof err?.code !== "string" || !err.code.startsWith("CSV_") && err.code !== "INVALID_OPENING_QUOTE") return e;
  const opened = lastLine + 1;
  let line = err.lines ?? opened;
  let message: string;
  switch (err.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      line = opened;
      message = `a quoted value in the row starting on line ${opened} is never closed (the file ends inside it): add the missing quote (")`;
      break;
    case "CSV_MAX_RECORD_SIZE":
      line = opened;
      message = `the row starting on line ${opened} is longer than ${MAX_ROW_CHARS.toLocaleString("en")} characters: most likely a quote (") that is never closed`;
      break;
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH": {
      const expected = /expect (\d+)/.exec(err.message)?.[1];
      const got = Array.isArray(err.record) ? err.record.length : /got (\d+)/.exec(err.message)?.[1];
      message = `line ${line} has ${got} values where the header has ${expected} columns`;
      break;
    }
    default:
      message = `line ${line}: ${err.message}`;
  }
  return new ImportRefused("invalid_csv", `the file is not valid CSV: ${message}`, [{ path: `line ${line}`, message }]);
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const UNESCAPES: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", r: "\r" };

/** A cell for the staged file: tabs separate cells, newlines rows, so both (and the backslash) are escaped. */
function escapeCell(cell: string): string {
  return SPECIAL.test(cell) ? cell.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : cell;
}

/**
 * The staged rows, in file order, a batch at a time: each row is its mapped cells followed by
 * the line where it starts. (Tab-separated with escapes: splitting is three times faster than
 * JSON.parse, and a batch saves an await per row.)
 */
export async function* readStaged(path: string): AsyncGenerator<string[][]> {
  let rest = "";
  const row = (text: string) => {
    const cells = text.split("\t");
    if (text.includes("\\")) for (let i = 0; i < cells.length; i++) cells[i] = cells[i].replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c);
    return cells;
  };
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const batch: string[][] = [];
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      batch.push(row(text.slice(start, nl)));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (batch.length) yield batch;
  }
  if (rest) yield [row(rest)];
}
