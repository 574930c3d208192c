/** Why a file was refused as a whole: its encoding, its CSV structure, or its columns against the mapping. */
export type RefusalCode = "invalid_encoding" | "invalid_csv" | "invalid_mapping" | "payload_too_large";

/** One problem of a refused file: where (`file`, `line 12`, `header.colour`, `mapping.city`) and what. */
export interface RefusalDetail {
  path: string;
  message: string;
}

/**
 * A CSV file refused before anything was written: bad encoding, broken CSV (unclosed quote,
 * ragged row), unknown columns, a mapping that does not fit the project. The API answers it
 * with a 4xx problem; the CLI exits 2. Problems with single rows are never refusals: those rows
 * are rejected and the others imported.
 */
export class ImportRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details: RefusalDetail[] = [],
  ) {
    super(message);
    this.name = "ImportRefused";
  }
}
