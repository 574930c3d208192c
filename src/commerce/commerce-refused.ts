/** Why a commerce request was refused: bad input, a bad CSV file, an unknown thing, a module that is off. */
export type CommerceRefusalCode = "invalid_input" | "invalid_csv" | "invalid_encoding" | "not_found" | "module_disabled";

/** One problem of a refused request: where (`body.items.0.sku`, `row 3, column price`) and what. */
export interface CommerceProblem {
  path: string;
  message: string;
}

/** A row of a refused catalog file: its data row (1-based, header excluded), the line where it starts, the column and why. */
export interface CatalogRejection {
  row: number;
  line: number;
  column: string;
  reason: string;
}

/**
 * A commerce request refused before anything was written. The services know nothing of HTTP:
 * the API maps the code to a status (400, 404, 409) with the same problems.
 */
export class CommerceRefused extends Error {
  constructor(
    readonly code: CommerceRefusalCode,
    message: string,
    readonly problems: CommerceProblem[] = [],
    readonly rejections?: CatalogRejection[],
  ) {
    super(message);
    this.name = "CommerceRefused";
  }
}
