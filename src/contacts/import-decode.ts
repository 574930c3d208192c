import { isUtf8 } from "node:buffer";
import { ImportRefused } from "./import-refused.js";

/** Encodings a CSV import reads. `latin1` is read as Windows-1252, its superset (as browsers do). */
export const IMPORT_ENCODINGS = ["utf-8", "windows-1252", "latin1"] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

const HINT = "Files saved by Excel on Windows are usually Windows-1252: import the file again with the encoding windows-1252.";

/**
 * Turns an upload into UTF-8 bytes chunk by chunk, for the CSV parser (which works on bytes).
 * UTF-8 is checked strictly and passed through: an invalid byte refuses the whole file, naming
 * its byte offset and line, because a wrongly decoded file would store mangled names (Ã© for é)
 * in thousands of contacts. Windows-1252 is decoded and re-encoded.
 */
export class ImportDecoder {
  private readonly decoder: TextDecoder | undefined;
  /** Bytes before the current chunk. */
  private offset = 0;
  /** Line of the first byte of the current chunk (1-based). */
  private line = 1;
  /** An incomplete UTF-8 sequence at the end of the previous chunk, held until the next one completes it. */
  private pending: Uint8Array = new Uint8Array(0);

  constructor(readonly encoding: ImportEncoding = "utf-8") {
    this.decoder = encoding === "utf-8" ? undefined : new TextDecoder("windows-1252");
  }

  /** The UTF-8 bytes of the next chunk (a character split between chunks comes with the later one). */
  write(chunk: Uint8Array): Uint8Array {
    if (this.offset === 0) this.checkStart(chunk);
    let out: Uint8Array;
    if (this.decoder) out = Buffer.from(this.decoder.decode(chunk, { stream: true }));
    else {
      const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      const cut = data.length - incompleteTail(data);
      const complete = data.subarray(0, cut);
      if (!isUtf8(complete)) throw this.invalid(data, false);
      this.pending = data.slice(cut);
      out = complete;
    }
    this.line += countNewlines(chunk, chunk.length);
    this.offset += chunk.length;
    return out;
  }

  /** The last bytes; refuses a file that ends in the middle of a UTF-8 character. */
  end(): Uint8Array {
    if (this.decoder) return Buffer.from(this.decoder.decode());
    if (this.pending.length) throw this.invalid(this.pending, true);
    return new Uint8Array(0);
  }

  private checkStart(chunk: Uint8Array): void {
    if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
      throw new ImportRefused("invalid_encoding", "the file is UTF-16 (\"Unicode text\"): save it as CSV UTF-8 (or as CSV for Windows-1252) and import it again", [
        { path: "file", message: "UTF-16 byte-order mark at offset 0" },
      ]);
    }
    if (this.encoding !== "utf-8" && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      throw new ImportRefused("invalid_encoding", `the file starts with a UTF-8 byte-order mark: it is UTF-8, not ${this.encoding}; import it again without the encoding option`, [
        { path: "file", message: "UTF-8 byte-order mark at offset 0" },
      ]);
    }
  }

  /** The refusal for the first invalid sequence of `data` (the pending bytes, then the current chunk). */
  private invalid(data: Uint8Array, final: boolean): ImportRefused {
    let at = invalidUtf8At(data, final);
    if (at < 0) at = 0;
    const offset = this.offset - this.pending.length + at;
    const line = this.line + countNewlines(data, at);
    const problem = final
      ? `the file ends in the middle of a UTF-8 character (byte offset ${offset}, line ${line})`
      : `byte 0x${data[at].toString(16).toUpperCase().padStart(2, "0")} at byte offset ${offset} (line ${line}) is not part of a UTF-8 character`;
    return new ImportRefused("invalid_encoding", `the file is not valid UTF-8: ${problem}. ${HINT}`, [{ path: `line ${line}`, message: problem }]);
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Length of the UTF-8 sequence a lead byte starts, and the range of its first continuation byte; 0 when it starts none. */
function sequence(b: number): [need: number, lo: number, hi: number] {
  if (b >= 0xc2 && b <= 0xdf) return [1, 0x80, 0xbf];
  if (b === 0xe0) return [2, 0xa0, 0xbf];
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return [2, 0x80, 0xbf];
  if (b === 0xed) return [2, 0x80, 0x9f]; // no surrogates
  if (b === 0xf0) return [3, 0x90, 0xbf];
  if (b >= 0xf1 && b <= 0xf3) return [3, 0x80, 0xbf];
  if (b === 0xf4) return [3, 0x80, 0x8f]; // nothing above U+10FFFF
  return [0, 0, 0];
}

/**
 * Index of the first byte of the first invalid UTF-8 sequence, or -1. An incomplete sequence at
 * the end is invalid only when `final` (otherwise the next chunk may complete it).
 */
export function invalidUtf8At(a: Uint8Array, final: boolean): number {
  const n = a.length;
  let i = 0;
  while (i < n) {
    const b = a[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const [need, lo, hi] = sequence(b);
    if (need === 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const c = a[i + k];
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** How many bytes at the end of `data` start a UTF-8 character that the next chunk must complete. */
function incompleteTail(data: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const b = data[data.length - back];
    if (b < 0x80) return 0;
    if (b >= 0xc0) return sequence(b)[0] >= back ? back : 0;
  }
  return 0;
}
