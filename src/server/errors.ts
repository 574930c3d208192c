import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";

/** One problem with the input: where (a JSON path, a CSV row and column) and what. */
export interface ProblemDetail {
  path: string;
  message: string;
}

/**
 * A user error: bad input, a missing thing, a refused action. Mapped to an
 * `application/problem+json` response with a stable `code`; never logged as a crash.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: ProblemDetail[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, "not_found", `${what} not found`);
export const badRequest = (message: string, errors?: ProblemDetail[]): ApiError => new ApiError(400, "invalid_input", message, errors);
export const conflict = (message: string): ApiError => new ApiError(409, "conflict", message);
export const forbidden = (message = "your role does not allow this action"): ApiError => new ApiError(403, "forbidden", message);
export const unauthorized = (message = "authentication required: an API key (Authorization: Bearer …) or a session"): ApiError =>
  new ApiError(401, "unauthorized", message);

/** Fastify's own client errors, by their code, to the stable codes of the API. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_input",
  FST_ERR_VALIDATION: "invalid_input",
};

function send(reply: FastifyReply, status: number, code: string, detail: string, errors?: ProblemDetail[], extra?: Record<string, unknown>) {
  return reply
    .code(status)
    .type("application/problem+json")
    .send({ type: `https://relais.dev/problems/${code}`, title: code.replace(/_/g, " "), status, code, detail, ...(errors ? { errors } : {}), ...extra });
}

/** The one HTTP error handler: user errors become problems; anything else is a logged 500 without internals. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) return send(reply, error.status, error.code, error.message, error.errors, error.extra);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = error.validationContext ?? "body";
    const errors = error.validation.map((v) => {
      const path = [part, ...String(v.instancePath ?? "").split("/").filter(Boolean)].join(".");
      const params = v.params as { issue?: { code?: string; keys?: string[] } } | undefined;
      const keys = params?.issue?.code === "unrecognized_keys" ? params.issue.keys : undefined;
      return { path, message: keys ? `unknown field${keys.length > 1 ? "s" : ""}: ${keys.join(", ")}` : (v.message ?? "invalid") };
    });
    return send(reply, 400, "invalid_input", `invalid ${part}: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, errors);
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error }, "response does not match its schema");
    return send(reply, 500, "internal", "internal error");
  }
  if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || (error.statusCode === 400 && error instanceof SyntaxError)) {
    return send(reply, 400, "invalid_json", `the body is not valid JSON: ${error.message}`);
  }
  const status = error.statusCode ?? 500;
  if (status < 500) return send(reply, status, FASTIFY_CODES[error.code] ?? "invalid_input", error.message);
  request.log.error({ err: error }, "unexpected error");
  return send(reply, 500, "internal", "internal error");
}
