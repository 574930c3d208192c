import type { Readable } from "node:stream";
import { z } from "zod";
import { CsvImports, type ImportRecord } from "../../contacts/csv-import.js";
import { IMPORT_ENCODINGS } from "../../contacts/import-decode.js";
import { ImportRefused } from "../../contacts/import-refused.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

/** Largest CSV upload, in bytes. */
export const MAX_CSV_BYTES = 2 * 1024 ** 3;

const Rejection = z.object({ row: z.number(), line: z.number(), column: z.string(), reason: z.string() });
const ImportSummary = z.object({
  id: z.string(),
  projectId: z.string(),
  status: z.enum(["queued", "running", "done", "failed"]),
  fileName: z.string(),
  options: z.object({
    mapping: z.record(z.string(), z.string()),
    launchCampaigns: z.boolean(),
    encoding: z.enum(IMPORT_ENCODINGS),
    delimiter: z.string(),
  }),
  totalRows: z.number(),
  processedRows: z.number(),
  created: z.number(),
  updated: z.number(),
  rejected: z.number(),
  error: z.string().nullable(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
const ImportOut = ImportSummary.extend({ rejections: z.array(Rejection) });

const ImportQuery = z.strictObject({
  mapping: z.string().max(100_000).optional()
    .describe('JSON object { "<csv column>": "field:<key>" | "subscription:<communicationType>" | "groups" | "ignore" }; columns left out go to the field of the same name'),
  launchCampaigns: z.enum(["true", "false"]).default("false").describe("start the onDemand import triggers too (auto ones always start)"),
  encoding: z.enum(IMPORT_ENCODINGS).default("utf-8").describe("the file's encoding; latin1 is read as windows-1252"),
  fileName: z.string().min(1).max(255).optional().describe("the file's name, for the import's record"),
});

const STATUS: Record<ImportRefused["code"], number> = { invalid_encoding: 400, invalid_csv: 400, invalid_mapping: 400, payload_too_large: 413 };

function parseMapping(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw badRequest(`the mapping is not JSON: ${(e as Error).message}`, [{ path: "querystring.mapping", message: "not JSON" }]);
  }
  const parsed = z.record(z.string(), z.string()).safeParse(value);
  if (!parsed.success) {
    throw badRequest("the mapping must be a JSON object of column names to targets (strings)", [{ path: "querystring.mapping", message: "expected an object of strings" }]);
  }
  return parsed.data;
}

/** No progress for this long and an import is taken for abandoned (a live one writes every few milliseconds). */
const ABANDONED_AFTER_MS = 60_000;

/**
 * CSV imports of contacts: the upload is streamed to a temporary file and checked (encoding, CSV
 * structure, columns) before the 202; the rows are then imported in the background, and the
 * import's record shows the progress and the rejected rows. docs/api/imports.md tells the rules.
 */
export default routes(async (app) => {
  const { store, db, engine, clock } = app.relais;
  const imports = new CsvImports({ store, db, engine, clock });
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();
  // The raw body goes to the import as a stream: a 2 GiB file is never held in memory.
  app.addContentTypeParser(["text/csv", "application/csv", "text/plain"], (_request, payload, done) => done(null, payload));
  // Imports whose process died stay "running" forever unless someone notices: sweep at start and every 30 s.
  const sweep = () => imports.failAbandoned(ABANDONED_AFTER_MS).then(
    (ids) => ids.length && app.log.warn({ imports: ids }, "imports interrupted by a stopped process marked failed"),
    (e: unknown) => app.log.error({ err: e }, "could not sweep abandoned imports"),
  );
  let sweeper: NodeJS.Timeout | undefined;
  app.addHook("onReady", async () => {
    await sweep();
    sweeper = setInterval(() => void sweep(), 30_000).unref();
  });
  app.addHook("onClose", async () => {
    clearInterval(sweeper);
    stopping.abort();
    await Promise.allSettled([...running]);
  });

  app.post("/projects/:projectId/imports", {
    bodyLimit: MAX_CSV_BYTES,
    schema: {
      tags: ["imports"],
      summary: "Import contacts from a CSV file (Content-Type: text/csv); answers 202 once the file is checked, then imports in the background",
      consumes: ["text/csv"],
      // The body is the raw stream (see the parser above): this schema documents it and lets it through.
      body: z.any().meta({ type: "string", format: "binary", description: "the CSV file: a header row, then one contact per row" }),
      params: ProjectParams,
      querystring: ImportQuery,
      response: { 202: ImportOut },
    },
  }, async (request, reply) => {
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as { iterator?: unknown }).iterator !== "function") {
      throw new ApiError(415, "unsupported_media_type", "send the CSV file as the request body with Content-Type: text/csv");
    }
    const length = Number(request.headers["content-length"]);
    if (length > MAX_CSV_BYTES) throw new ApiError(413, "payload_too_large", `the file is larger than the ${MAX_CSV_BYTES.toLocaleString("en")} bytes accepted`);
    const q = request.query;
    const mapping = parseMapping(q.mapping);
    let accepted;
    try {
      // The body is left open on a refusal so the answer can still reach the client.
      accepted = await imports.accept(request.params.projectId, body.iterator({ destroyOnReturn: false }), {
        mapping, launchCampaigns: q.launchCampaigns === "true", encoding: q.encoding, fileName: q.fileName, maxBytes: MAX_CSV_BYTES,
      });
    } catch (e) {
      if (!body.destroyed) body.resume();
      if (e instanceof ImportRefused) throw new ApiError(STATUS[e.code], e.code, e.message, e.details);
      throw e;
    }
    const job = accepted.run({ signal: stopping.signal }).then(({ record }) => {
      if (record.status === "failed") app.log.error({ importId: record.id, error: record.error }, "import failed");
      app.relais.wake();
    });
    running.add(job);
    void job.finally(() => running.delete(job));
    reply.code(202);
    return accepted.record;
  });

  app.get("/projects/:projectId/imports", {
    schema: {
      tags: ["imports"], summary: "The project's imports, newest first (without their rejections)",
      params: ProjectParams, querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) }),
      response: { 200: z.object({ imports: z.array(ImportSummary) }) },
    },
  }, async (request) => ({
    imports: (await imports.list(request.params.projectId, request.query.limit)).map(({ rejections: _, ...rest }: ImportRecord) => rest),
  }));

  app.get("/projects/:projectId/imports/:importId", {
    schema: {
      tags: ["imports"], summary: "An import: status, progress, counts and the first 1,000 rejected rows",
      params: ProjectParams.extend({ importId: z.string().min(1).max(100) }), response: { 200: ImportOut },
    },
  }, async (request) => {
    const record = await imports.get(request.params.projectId, request.params.importId);
    if (!record) throw notFound("import");
    return record;
  });
});
