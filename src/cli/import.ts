import cliProgress from "cli-progress";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { CaptureTransport } from "../channels/capture-transport.js";
import { CsvImports, type ImportRecord } from "../contacts/csv-import.js";
import { IMPORT_ENCODINGS, type ImportEncoding } from "../contacts/import-decode.js";
import { mappingFromArgs, type ImportMapping } from "../contacts/import-mapping.js";
import { ImportRefused } from "../contacts/import-refused.js";
import { SystemClock } from "../engine/clock.js";
import { Engine } from "../engine/engine.js";
import { DirectoryDb } from "../store/directory/directory-db.js";
import { openStore, type StoreSettings } from "../store/open-store.js";

export interface ImportCommand {
  project: string;
  file: string;
  /** `column=target` pairs. */
  map: string[];
  launchCampaigns: boolean;
  encoding: string;
  /** Print the import's record as JSON instead of a summary. */
  json: boolean;
}

export interface ImportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Rejections printed in the summary (the import's record keeps up to 1,000). */
const SHOWN_REJECTIONS = 20;

const n = (x: number) => x.toLocaleString("en");
const MIB = 1024 * 1024;

/**
 * `relais import`: a CSV file into a project of the configured store, through the same code as
 * the API (`CsvImports`). Progress goes to stderr (a bar on a terminal, a line every few seconds
 * otherwise). Returns the exit code: 0 all rows imported, 1 some rows rejected, 2 the file or the
 * command was refused (nothing written), 3 the import failed on the way.
 */
export async function runImport(settings: StoreSettings, cmd: ImportCommand, io: ImportIo): Promise<number> {
  const say = (line: string) => io.stderr.write(`relais import: ${line}\n`);
  if (!(IMPORT_ENCODINGS as readonly string[]).includes(cmd.encoding)) {
    say(`unknown encoding ${cmd.encoding} (known: ${IMPORT_ENCODINGS.join(", ")})`);
    return 2;
  }
  let mapping: ImportMapping;
  try {
    mapping = mappingFromArgs(cmd.map);
  } catch (e) {
    say((e as Error).message);
    return 2;
  }
  let size: number;
  try {
    size = (await stat(cmd.file)).size;
  } catch (e) {
    say(`cannot read ${cmd.file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return 2;
  }
  const { store, description } = openStore(settings);
  try {
    await store.migrate();
    if (!(await store.getProject(cmd.project))) {
      say(`no project ${cmd.project} in ${description}`);
      return 2;
    }
    const clock = new SystemClock();
    const engine = new Engine({ store, clock, transport: new CaptureTransport(true) });
    const imports = new CsvImports({ store, db: new DirectoryDb(store), engine, clock });
    say(`checking ${cmd.file} (${n(size)} bytes)`);
    const checking = reporter(io, Math.max(1, Math.ceil(size / MIB)), "MiB checked");
    let accepted;
    try {
      accepted = await imports.accept(cmd.project, counted(createReadStream(cmd.file, { highWaterMark: 1 << 20 }), (bytes) => checking.update(Math.floor(bytes / MIB))), {
        mapping, launchCampaigns: cmd.launchCampaigns, encoding: cmd.encoding as ImportEncoding,
        fileName: cmd.file.split(/[\\/]/).pop(),
      });
    } catch (e) {
      checking.stop(null);
      if (!(e instanceof ImportRefused)) throw e;
      say(`the file is refused, nothing was imported: ${e.message}`);
      for (const d of e.details) io.stderr.write(`  ${d.path}: ${d.message}\n`);
      return 2;
    }
    checking.stop(Math.ceil(size / MIB));
    const total = accepted.record.totalRows;
    say(`importing ${n(total)} rows into ${cmd.project} on ${description}`);
    const progress = reporter(io, total, "rows");
    const { record, entered } = await accepted.run({ onProgress: (r) => progress.update(r.processedRows, r.rejected) });
    progress.stop(record.processedRows, record.rejected);
    if (cmd.json) io.stdout.write(`${JSON.stringify({ ...record, entered }, null, 2)}\n`);
    else io.stdout.write(summary(record, entered));
    if (record.status === "failed") return 3;
    return record.rejected > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

/** The file's chunks, telling how many bytes have gone by (checking a large file takes a while too). */
async function* counted(source: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    onBytes(bytes);
    yield chunk;
  }
}

interface Reporter {
  update(value: number, rejected?: number): void;
  /** Ends the report at `value` (null: leave it where it is, the step failed). */
  stop(value: number | null, rejected?: number): void;
}

/** A progress bar on a terminal; elsewhere (a log, a CI job) a plain line at most every 2 seconds. */
function reporter(io: ImportIo, total: number, unit: string): Reporter {
  const withRejected = unit === "rows";
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: io.stderr as NodeJS.WritableStream as never,
      format: `relais import: [{bar}] {percentage}% | {value}/{total} ${unit}${withRejected ? " | {rejected} rejected" : ""} | {eta_formatted} left`,
      hideCursor: true, etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { rejected: 0 });
    return {
      update: (value, rejected = 0) => bar.update(value, { rejected }),
      stop: (value, rejected = 0) => {
        if (value !== null) bar.update(value, { rejected });
        bar.stop();
      },
    };
  }
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let last = 0;
  return {
    update(value, rejected = 0) {
      if (elapsed() - last < 2) return;
      last = elapsed();
      io.stderr.write(`relais import: ${n(value)} / ${n(total)} ${unit} (${Math.floor((value / Math.max(total, 1)) * 100)} %)${withRejected ? `, ${n(rejected)} rejected` : ""}\n`);
    },
    stop(value) {
      if (value !== null) io.stderr.write(`relais import: ${n(value)} ${unit} in ${elapsed().toFixed(1)} s\n`);
    },
  };
}

function summary(r: ImportRecord, entered: number): string {
  const lines = [
    `${r.id} ${r.status}: ${n(r.processedRows)} rows, ${n(r.created)} created, ${n(r.updated)} updated, ${n(r.rejected)} rejected` +
      (entered ? `; ${n(entered)} contacts entered campaigns` : ""),
  ];
  if (r.error) lines.push(`error: ${r.error}`);
  if (r.rejections.length) {
    const shown = r.rejections.slice(0, SHOWN_REJECTIONS);
    lines.push(`rejected rows${r.rejections.length > shown.length ? ` (the first ${shown.length} problems; GET the import for up to 1,000)` : ""}:`);
    for (const x of shown) lines.push(`  row ${x.row} (line ${x.line}), ${x.column}: ${x.reason}`);
  }
  return `${lines.join("\n")}\n`;
}
