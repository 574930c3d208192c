import { stringify } from "csv-stringify";
import { Transform, type Readable } from "node:stream";

export interface CsvOptions {
  /** `,` (default) or `;` (what French-locale spreadsheets expect). */
  delimiter?: "," | ";";
  /** Start the file with a UTF-8 byte order mark so spreadsheets read accents right. */
  bom?: boolean;
}

/**
 * Rows as an RFC 4180 CSV stream (UTF-8, CRLF line ends, header line first). Rows are pulled from an
 * (async) iterable, so a million-row file never sits whole in memory.
 */
export function csvStream(columns: string[], rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, opts: CsvOptions = {}): Readable {
  const out = stringify({ header: true, columns, delimiter: opts.delimiter ?? ",", bom: opts.bom ?? false, record_delimiter: "windows", quoted_match: /[\r\n]/, cast: { boolean: (b) => (b ? "true" : "false"), date: (d) => d.toISOString() } });
  void (async () => {
    try {
      for await (const row of rows) {
        if (!out.write(row)) await new Promise((r) => out.once("drain", r));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  const chunks = chunked();
  out.on("error", (err) => chunks.destroy(err));
  return out.pipe(chunks);
}

/**
 * Gathers the stringifier's one-record chunks into ~64 KiB ones: each chunk becomes one SFTP WRITE request,
 * so a million tiny chunks would mean a million round trips.
 */
function chunked(size = 64 * 1024): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= size) {
        this.push(Buffer.concat(parts, length));
        parts = [];
        length = 0;
      }
      done();
    },
    flush(done) {
      if (length > 0) this.push(Buffer.concat(parts, length));
      done();
    },
  });
}
