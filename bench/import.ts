import { createReadStream, createWriteStream, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { CaptureTransport } from "../src/channels/capture-transport.js";
import { CsvImports } from "../src/contacts/csv-import.js";
import { VirtualClock } from "../src/engine/clock.js";
import { Engine } from "../src/engine/engine.js";
import { ProjectConfig } from "../src/model/index.js";
import { DirectoryDb } from "../src/store/directory/directory-db.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";

export interface ImportBenchOptions {
  /** Data rows in the generated file. */
  contacts: number;
  dir: string;
}

const round = (x: number) => Math.round(x * 100) / 100;
const FIRST = ["Marie", "Jean", "Élise", "François", "Chloé", "Luc", "Anaïs", "Noémie", "Zoé", "Gabriel"];
const LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gélinas"];
const CITIES = ["Montréal", "Québec", "Laval", "Gatineau", "Longueuil", "Sherbrooke", "Lévis", "Saguenay", "Trois-Rivières", "Terrebonne"];

/** Writes the bench's CSV: `;`-delimited like a Québec Excel export, with one bad email every 10,000 rows. */
async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write("email;firstName;lastName;city;score;birthday;newsletter\r\n");
  let batch = "";
  for (let i = 0; i < rows; i++) {
    const email = i % 10_000 === 9_999 ? `user${i}-at-example.com` : `user${i}@example.com`;
    const day = String((i % 28) + 1).padStart(2, "0");
    const month = String((i % 12) + 1).padStart(2, "0");
    batch += `${email};${FIRST[i % 10]};${LAST[(i >> 3) % 10]};${CITIES[(i >> 5) % 10]};${i % 100},${i % 10};${1950 + (i % 50)}-${month}-${day};${i % 3 === 0 ? "non" : "oui"}\r\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, "drain");
      batch = "";
    }
  }
  out.end(batch);
  await once(out, "finish");
}

/**
 * import: a CSV of N rows (email, first and last names, city, a decimal-comma number, a date, a
 * yes/no subscription) into a fresh file-backed SQLite store through `CsvImports`, the API's and
 * the CLI's code path: check and stage, then chunked upserts with the consent log, then the
 * import triggers. Generating the file is not measured.
 */
export async function importBench(opts: ImportBenchOptions): Promise<Record<string, unknown>> {
  const file = join(opts.dir, "import.sqlite");
  const csv = join(opts.dir, "import.csv");
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  process.stderr.write(`import: writing ${opts.contacts.toLocaleString("en")} rows to ${csv}\n`);
  await writeCsv(csv, opts.contacts);
  const store = new SqliteStore(file);
  await store.migrate();
  const clock = new VirtualClock(Date.parse("2026-12-01T14:00:00Z"));
  const engine = new Engine({ store, clock, transport: new CaptureTransport(true) });
  await store.putProject("bench", ProjectConfig.parse({
    timezone: "America/Toronto",
    fields: [
      { key: "email", type: "email", category: "uniqueKey" }, { key: "firstName", type: "text" }, { key: "lastName", type: "text" },
      { key: "city", type: "text" }, { key: "score", type: "number" }, { key: "birthday", type: "date" },
    ],
    communicationTypes: [{ key: "newsletter", channel: "email" }],
  }));
  const imports = new CsvImports({ store, db: new DirectoryDb(store), engine, clock });

  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const accepted = await imports.accept("bench", createReadStream(csv, { highWaterMark: 1 << 20 }), { mapping: { newsletter: "subscription:newsletter" } });
  const staged = seconds();
  process.stderr.write(`import: file checked and staged in ${staged.toFixed(2)} s\n`);
  let lastPrint = 0;
  const { record } = await accepted.run({
    onProgress: (r) => {
      if (seconds() - lastPrint < 1) return;
      lastPrint = seconds();
      process.stderr.write(`import: ${r.processedRows.toLocaleString("en")} rows, rss ${Math.round(process.memoryUsage.rss() / 1048576)} MiB\n`);
    },
  });
  const total = seconds();
  const consent = store.db.prepare("SELECT COUNT(*) FROM subscription_log").pluck().get();
  await store.close();
  if (record.status !== "done") throw new Error(`the import failed: ${record.error}`);
  return {
    workload: "import",
    rows: record.processedRows,
    bytes: statSync(csv).size,
    created: record.created,
    rejected: record.rejected,
    consentLogged: consent,
    seconds: round(total),
    rowsPerSecond: Math.round(record.processedRows / total),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    // Where the seconds went: checking and staging the file, then validating and writing the rows.
    phases: { stage: round(staged), write: round(total - staged) },
  };
}
