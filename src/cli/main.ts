import { Command } from "commander";
import { readFileSync } from "node:fs";
import { ScenarioInputError, simulate, validateScenario } from "../scenario/simulate.js";
import type { Lang } from "../model/index.js";
import { runBench } from "../../bench/run.js";
import { openStore, storeSettingsFromEnv } from "../store/open-store.js";
import { runWorker } from "./worker.js";
import { runServe } from "./serve.js";
import { runImport } from "./import.js";
import { ConfigError, loadServeConfig, serverSecret } from "../server/config.js";

/** Reads and parses a JSON file; bad input exits 2 with a message that names the place. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioInputError([`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ScenarioInputError([`${file}: not JSON: ${(e as Error).message}`]);
  }
}

function fail(e: unknown): never {
  if (e instanceof ScenarioInputError) {
    process.stderr.write(`relais: invalid scenario\n${e.problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exit(2);
  }
  process.stderr.write(`relais: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(3);
}

function print(value: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`, () => resolve()));
}

const program = new Command();
program.name("relais").description("Relais: automated marketing campaigns").version("0.1.0");

program
  .command("simulate")
  .description("run a scenario (project, contacts, campaign, events) on the real engine with a virtual clock")
  .argument("<file>", "scenario JSON file")
  .option("--lang <lang>", "language of messages: fr or en", "fr")
  .action(async (file: string, opts: { lang: Lang }) => {
    try {
      const out = await simulate(readJson(file), { lang: opts.lang });
      await print(out);
      process.exitCode = out.valid ? 0 : 1;
    } catch (e) {
      fail(e);
    }
  });

program
  .command("validate")
  .description("validate a scenario's campaign and print the findings")
  .argument("<file>", "scenario JSON file")
  .option("--lang <lang>", "language of messages: fr or en", "fr")
  .action(async (file: string, opts: { lang: Lang }) => {
    try {
      const out = validateScenario(readJson(file), opts.lang);
      await print(out);
      process.exitCode = out.valid ? 0 : 1;
    } catch (e) {
      fail(e);
    }
  });

program
  .command("migrate")
  .description("create or upgrade the database: PostgreSQL when DATABASE_URL=postgres://…, else SQLite (RELAIS_SQLITE_FILE, default ./data/relais.sqlite)")
  .action(async () => {
    const { store, description } = openStore(storeSettingsFromEnv());
    try {
      await store.migrate();
      process.stdout.write(`relais: ${description} is up to date\n`);
    } catch (e) {
      process.stderr.write(`relais: cannot migrate ${description}: ${(e as Error).message}\n`);
      process.exitCode = 1;
    } finally {
      await store.close();
    }
  });

program
  .command("serve")
  .description("run Relais: the web API (PORT, default 3000) and the engine on the wall clock, over ./data/relais.sqlite or DATABASE_URL")
  .option("--port <port>", "port to listen on (PORT)")
  .option("--host <host>", "address to listen on (HOST, default 127.0.0.1)")
  .option("--no-engine", "serve the API only; `relais worker` processes move contacts")
  .action(async (opts: { port?: string; host?: string; engine: boolean }) => {
    try {
      await runServe({
        ...(opts.port !== undefined ? { port: Number(opts.port) } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.engine === false ? { engine: false } : {}),
      });
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`relais: invalid configuration: ${e.message}\n`);
        process.exit(2);
      }
      fail(e);
    }
  });

program
  .command("worker")
  .description("move contacts on the wall clock over the configured database (DATABASE_URL=postgres://… or ./data/relais.sqlite); several workers may share a PostgreSQL database")
  .option("--idle <ms>", "longest sleep between two ticks (default 5000 on PostgreSQL, where LISTEN/NOTIFY wakes workers, else 1000)")
  .action(async (opts: { idle?: string }) => {
    try {
      // The same key as the API servers (RELAIS_SECRET, or <dataDir>/secret.key): the links a worker signs, they verify.
      const secret = serverSecret(loadServeConfig(process.env));
      await runWorker(storeSettingsFromEnv(), { idleMs: opts.idle === undefined ? undefined : Number(opts.idle), baseUrl: process.env.RELAIS_BASE_URL, secret, log: (line) => process.stderr.write(`${line}\n`) });
    } catch (e) {
      fail(e);
    }
  });

program
  .command("import")
  .description("import contacts from a CSV file into a project of the configured database (DATABASE_URL=postgres://… or ./data/relais.sqlite); exit 1 when rows were rejected, 2 when the file is refused")
  .argument("<file>", "CSV file with a header row (delimiter , ; or tab, detected)")
  .requiredOption("--project <id>", "the project to import into")
  .option("--map <column=target>", "where a column goes: field:<key>, subscription:<type>, groups or ignore (repeatable; other columns go to the field of the same name)",
    (value: string, previous: string[]) => [...previous, value], [] as string[])
  .option("--launch-campaigns", "start the project's on-demand import triggers too", false)
  .option("--encoding <encoding>", "the file's encoding: utf-8, windows-1252 or latin1", "utf-8")
  .option("--json", "print the import's record as JSON instead of a summary", false)
  .action(async (file: string, opts: { project: string; map: string[]; launchCampaigns: boolean; encoding: string; json: boolean }) => {
    try {
      process.exitCode = await runImport(storeSettingsFromEnv(), { file, ...opts }, { stdout: process.stdout, stderr: process.stderr });
    } catch (e) {
      fail(e);
    }
  });

program
  .command("bench")
  .description("run a benchmark workload and print its figures (b1: 1M contacts through a profile condition, an email, a 2-day delay, an opened condition; import: a 1M-row CSV imported into a fresh SQLite file; email: 100,000 personalized MJML emails over SMTP to a local server)")
  .argument("[workload]", "workload name", "b1")
  .option("--contacts <n>", "number of contacts (default: 1,000,000; email: 100,000)")
  .option("--batch <n>", "tokens per batch", "5000")
  .option("--dir <dir>", "folder for the database file", ".bench")
  .option("--store <store>", "b1: sqlite (a file in --dir) or postgres (a throw-away schema of DATABASE_URL)", "sqlite")
  .option("--workers <n>", "b1 on postgres: worker processes sharing the schema", "1")
  .action(async (workload: string, opts: { contacts?: string; batch: string; dir: string; store: string; workers: string }) => {
    try {
      if (opts.store !== "sqlite" && opts.store !== "postgres") throw new Error(`--store must be sqlite or postgres, not ${opts.store}`);
      await runBench(workload, { contacts: opts.contacts === undefined ? undefined : Number(opts.contacts), batchSize: Number(opts.batch), dir: opts.dir, store: opts.store, workers: Number(opts.workers) });
    } catch (e) {
      fail(e);
    }
  });

await program.parseAsync(process.argv);
