/** A problem+json answer of the API, as an Error whose message is the server's detail. */
export class ApiProblem extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly body: any) {
    super(message);
  }
}

/** Calls the API with the session cookie; JSON in and out; problems thrown as {@link ApiProblem}. */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiProblem(res.status, json?.code ?? "error", json?.detail ?? json?.title ?? res.statusText, json);
  return json as T;
}
