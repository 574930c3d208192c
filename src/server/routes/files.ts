import { z } from "zod";
import type { FileInfo } from "../../store/store.js";
import { conflict, notFound } from "../errors.js";
import { ProjectParams } from "../schemas.js";
import { routes } from "./route-plugin.js";

const TAGS = ["exports"];
const STATUS = z.enum(["pending", "uploading", "uploaded", "failed"]);

const FileOut = z.object({
  id: z.number(),
  campaign: z.string(),
  element: z.string(),
  kind: z.string().describe("export, postal-mailing, postal-remove or postal-update"),
  destination: z.string(),
  path: z.string(),
  rows: z.number().describe("Rows written so far"),
  uploadedRows: z.number().describe("Rows of the last successful upload"),
  bytes: z.number().nullable().describe("Size of the last successful upload"),
  status: STATUS,
  attempts: z.number().describe("Uploader claims since the file was last queued (each tries a few connections)"),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  readyAt: z.number().describe("When the file is complete and may go"),
  nextAttemptAt: z.number().nullable(),
  uploadedAt: z.number().nullable(),
  updatedAt: z.number().nullable(),
});

const out = (f: FileInfo): z.infer<typeof FileOut> => ({
  id: f.id, campaign: f.campaignId, element: f.element, kind: f.kind, destination: f.destination, path: f.path,
  rows: f.rowCount, uploadedRows: f.uploadedRows, bytes: f.bytes, status: f.status, attempts: f.attempts, lastError: f.lastError,
  createdAt: f.createdAt, readyAt: f.readyAt, nextAttemptAt: f.nextAttemptAt, uploadedAt: f.uploadedAt, updatedAt: f.updatedAt,
});

const FileParams = ProjectParams.extend({ fileId: z.string().max(20) });

/** Export and postal files and their uploads to SFTP destinations (docs/exports.md). */
export default routes(async (app) => {
  const { store, clock } = app.relais;

  app.get("/projects/:projectId/files", {
    schema: {
      tags: TAGS, summary: "The project's export and postal files, newest first, with their upload state",
      params: ProjectParams,
      querystring: z.strictObject({
        campaign: z.string().min(1).max(200).optional(),
        status: STATUS.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        cursor: z.string().regex(/^\d{1,15}$/, "the `next` of the previous page").optional(),
      }),
      response: { 200: z.object({ files: z.array(FileOut), next: z.string().nullable() }) },
    },
  }, async (request) => {
    const { campaign, status, limit, cursor } = request.query;
    const files = await store.listFiles(request.params.projectId, {
      campaignId: campaign, status, limit, beforeId: cursor === undefined ? undefined : Number(cursor),
    });
    return { files: files.map(out), next: files.length === limit ? String(files[files.length - 1].id) : null };
  });

  app.post("/projects/:projectId/files/:fileId/retry", {
    schema: {
      tags: TAGS, summary: "Queue a failed file for upload again (after fixing its destination); 409 when it is not failed",
      params: FileParams, response: { 200: FileOut },
    },
  }, async (request) => {
    const { projectId, fileId } = request.params;
    if (!/^\d{1,15}$/.test(fileId)) throw notFound(`file ${fileId}`);
    const id = Number(fileId);
    const result = await store.retryFile(projectId, id, clock.now());
    if (result === "notFound") throw notFound(`file ${fileId}`);
    const [file] = await store.listFiles(projectId, { beforeId: id + 1, limit: 1 });
    if (!file || file.id !== id) throw notFound(`file ${fileId}`);
    if (result === "notFailed") throw conflict(`file ${fileId} is ${file.status}, not failed: only a failed file can be retried`);
    return out(file);
  });

});
