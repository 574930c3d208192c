import type { Handler } from "../handler.js";

/** Tokens never wait at an end (routing ends the journey), but a released token may land here. */
const end = (outcome: string): Handler => async (tokens) => tokens.map((token) => ({ token, end: outcome }));

export const endHandlers: Record<string, Handler> = {
  "end.success": end("success"),
  "end.failure": end("failure"),
  "end.abandon": end("abandon"),
  "end.neutral": end("neutral"),
};
