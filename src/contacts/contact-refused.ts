/** Why a contact request was refused: bad input, a contact that is not there, a key already taken. */
export type ContactRefusalCode = "invalid_input" | "not_found" | "conflict";

/** One problem of a refused request: where (`body.fields.email`, `params.group`) and what. */
export interface ContactProblem {
  path: string;
  message: string;
}

/**
 * A contact request refused before anything was written. The contacts service knows nothing of
 * HTTP: the API maps the code to 400, 404 or 409 with the same `errors` list.
 */
export class ContactRefused extends Error {
  constructor(
    readonly code: ContactRefusalCode,
    message: string,
    readonly problems: ContactProblem[] = [],
  ) {
    super(message);
    this.name = "ContactRefused";
  }
}

/** Bad input: the message names every problem, so a client reading only `detail` knows what to fix. */
export function invalid(problems: ContactProblem[], summary?: string): ContactRefused {
  return new ContactRefused("invalid_input", summary ?? problems.map((p) => `${p.path}: ${p.message}`).join("; "), problems);
}

export const contactNotFound = (): ContactRefused => new ContactRefused("not_found", "contact not found");
