import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CaptureTransport } from "../../src/channels/capture-transport.js";
import { CsvImports } from "../../src/contacts/csv-import.js";
import { ImportDecoder, invalidUtf8At } from "../../src/contacts/import-decode.js";
import { mappingFromArgs } from "../../src/contacts/import-mapping.js";
import { ImportRefused } from "../../src/contacts/import-refused.js";
import { detectDelimiter, readStaged, stageCsv } from "../../src/contacts/import-stage.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { DirectoryDb } from "../../src/store/directory/directory-db.js";
import type { Store } from "../../src/store/store.js";
import { SERVER_STORES } from "../server/helper.js";

const config = ProjectConfig.parse({
  fields: [
    { key: "email", type: "email", category: "uniqueKey" },
    { key: "firstName", type: "text" },
    { key: "note", type: "text" },
  ],
  communicationTypes: [{ key: "newsletter", channel: "email" }],
});

/** A byte source in chunks of `size` bytes (1: every character split across chunks). */
async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function refusal(p: Promise<unknown>): Promise<ImportRefused> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ImportRefused);
  return e as ImportRefused;
}

async function stagedRows(bytes: Uint8Array | string, size = 1 << 16) {
  const staged = await stageCsv(chunks(typeof bytes === "string" ? Buffer.from(bytes) : bytes, size), { encoding: "utf-8", mapping: {}, config });
  const rows: string[][] = [];
  for await (const batch of readStaged(staged.path)) rows.push(...batch);
  await staged.discard();
  return { staged, rows };
}

describe("reading the file", () => {
  it("passes UTF-8 through whatever the chunk boundaries, and finds the first invalid byte exactly", () => {
    const text = Buffer.from("email,firstName\nzoe@example.com,Zoé 😀 €\n");
    for (const size of [1, 2, 3, 5]) {
      const d = new ImportDecoder("utf-8");
      const parts: Uint8Array[] = [];
      for (let i = 0; i < text.length; i += size) parts.push(d.write(text.subarray(i, i + size)));
      parts.push(d.end());
      expect(Buffer.concat(parts).toString("utf8")).toBe(text.toString("utf8"));
    }
    expect(invalidUtf8At(Buffer.from([0x61, 0xc0, 0xaf]), true)).toBe(1); // overlong
    expect(invalidUtf8At(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), true)).toBe(2); // surrogate
    expect(invalidUtf8At(Buffer.from([0xf4, 0x90, 0x80, 0x80]), true)).toBe(0); // above U+10FFFF
    expect(invalidUtf8At(Buffer.from([0x61, 0xe2, 0x82]), false)).toBe(-1); // may continue in the next chunk
    expect(invalidUtf8At(Buffer.from([0x61, 0xe2, 0x82]), true)).toBe(1);
  });

  it("refuses invalid UTF-8 split across chunks with its byte offset and line, and a file cut inside a character", async () => {
    const bytes = Buffer.concat([Buffer.from("email\nann@example.com\n\u00e9t\u00e9@x.ca\nbad"), Buffer.from([0xe9, 0x41]), Buffer.from("@x.ca\n")]);
    for (const size of [1, 4, 1 << 16]) {
      const e = await refusal(stageCsv(chunks(bytes, size), { encoding: "utf-8", mapping: {}, config }));
      expect(e.code).toBe("invalid_encoding");
      expect(e.message).toContain("byte 0xE9 at byte offset 36 (line 4)");
    }
    const cut = await refusal(stageCsv(chunks(Buffer.concat([Buffer.from("email\nx"), Buffer.from([0xe2, 0x82])]), 3), { encoding: "utf-8", mapping: {}, config }));
    expect(cut.message).toContain("ends in the middle of a UTF-8 character (byte offset 7, line 2)");
  });

  it("refuses UTF-16 files and a UTF-8 file declared as Windows-1252", async () => {
    const utf16 = await refusal(stageCsv(chunks(Buffer.from("\ufeffemail\n", "utf16le"), 64), { encoding: "utf-8", mapping: {}, config }));
    expect(utf16.message).toContain("UTF-16");
    const bom = await refusal(stageCsv(chunks(Buffer.from("\ufeffemail\na@b.ca\n"), 64), { encoding: "windows-1252", mapping: {}, config }));
    expect(bom.message).toContain("it is UTF-8");
  });

  it("detects the delimiter from the header line, ignoring quoted ones", () => {
    expect(detectDelimiter("email;\"Nom, Prénom\";ville\na,b,c,d,e\n")).toBe(";");
    expect(detectDelimiter("email\tname\tcity\n")).toBe("\t");
    expect(detectDelimiter("email,name\n")).toBe(",");
    expect(detectDelimiter("email\n")).toBe(",");
  });

  it("strips the byte-order mark, reads quoted values with delimiters, quotes and line breaks, skips empty lines and tracks where each row starts", async () => {
    const csv = "\ufeffemail;firstName;note\r\n\r\na@x.ca;\"Dupont; Ann\";\"dit \"\"Nan\"\"\"\r\nb@x.ca;Bob;\"deux\r\nlignes\\ et tab\t\"\r\nc@x.ca;Cy;\r\n";
    for (const size of [1, 7, 1 << 16]) {
      const { staged, rows } = await stagedRows(csv, size);
      expect(staged).toMatchObject({ delimiter: ";", header: ["email", "firstName", "note"], rows: 3 });
      expect(rows).toEqual([
        ["a@x.ca", "Dupont; Ann", 'dit "Nan"', "3"],
        ["b@x.ca", "Bob", "deux\r\nlignes\\ et tab\t", "4"],
        ["c@x.ca", "Cy", "", "6"],
      ]);
    }
  });

  it("names the line of a row with too many values, and the line where an unclosed quote opens", async () => {
    const ragged = await refusal(stageCsv(chunks(Buffer.from("email,note\na@x.ca,1\n\nb@x.ca,2,3\n"), 64), { encoding: "utf-8", mapping: {}, config }));
    expect(ragged.code).toBe("invalid_csv");
    expect(ragged.details).toEqual([{ path: "line 4", message: "line 4 has 3 values where the header has 2 columns" }]);
    const unclosed = await refusal(stageCsv(chunks(Buffer.from("email,note\na@x.ca,1\nb@x.ca,\"2\nc@x.ca,3\nd@x.ca,4\n"), 5), { encoding: "utf-8", mapping: {}, config }));
    expect(unclosed.details[0].path).toBe("line 3");
    expect(unclosed.message).toContain("never closed");
  });

  it("refuses a file larger than the limit as soon as it passes it", async () => {
    const e = await refusal(stageCsv(chunks(Buffer.from(`email\n${"a@x.ca\n".repeat(100)}`), 16), { encoding: "utf-8", mapping: {}, config, maxBytes: 64 }));
    expect(e.code).toBe("payload_too_large");
    expect(e.message).toContain("larger than the 64 bytes accepted");
  });

  it("reads --map arguments, splitting on the last equals sign", () => {
    expect(mappingFromArgs(["Prénom=field:firstName", "a=b=ignore"])).toEqual({ Prénom: "field:firstName", "a=b": "ignore" });
    expect(() => mappingFromArgs(["firstName"])).toThrow(ImportRefused);
  });
});

function importCampaign(id: string, mode: "auto" | "onDemand") {
  return CampaignDocument.parse({
    id, name: id, reentry: "always",
    elements: [{ id: "t1", type: "trigger.import", params: { mode } }, { id: "e1", type: "end.success", params: {} }],
    connections: [{ from: "t1", exit: "next", to: "e1" }],
  });
}

for (const { name, make } of SERVER_STORES) {
  describe(`importing in chunks (${name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    async function setup() {
      ({ store, cleanup } = make());
      await store.migrate();
      await store.putProject("p", config);
      const clock = new VirtualClock(Date.parse("2026-12-01T13:00:00Z"));
      const engine = new Engine({ store, clock, transport: new CaptureTransport(true) });
      // Two rows a chunk: a five-row file takes three transactions.
      const imports = new CsvImports({ store, db: new DirectoryDb(store), engine, clock }, 2);
      return { engine, imports, clock };
    }

    it("starts one run per import trigger for a file written in several chunks, with each contact once", async () => {
      const { engine, imports } = await setup();
      await engine.saveCampaign("p", importCampaign("c1", "auto"), 1);
      await engine.activate("c1");
      await store.transaction(() => store.upsertContacts("p", [{ id: "old@x.ca", fields: { email: "old@x.ca" } }], 0));
      const csv = "email,firstName\na@x.ca,A\nold@x.ca,Old\nb@x.ca,B\nA@x.ca,Ann\nold@x.ca,Olga\n";
      const accepted = await imports.accept("p", chunks(Buffer.from(csv), 8));
      const progress: number[] = [];
      const { record, entered } = await accepted.run({ onProgress: (r) => progress.push(r.processedRows) });
      expect(progress).toEqual([2, 4, 5]);
      // a@x.ca appears in chunks 1 and 2, old@x.ca in chunks 1 and 3: each is counted once.
      expect(record).toMatchObject({ status: "done", processedRows: 5, created: 2, updated: 1, rejected: 0 });
      expect(entered).toBe(3);
      expect(await store.firedRuns("c1", "t1")).toHaveLength(1);
      expect((await store.journeys("c1")).map((j) => j.contactId).sort()).toEqual(["a@x.ca", "b@x.ca", "old@x.ca"]);
      expect((await store.findContact("p", "a@x.ca"))?.fields).toEqual({ email: "a@x.ca", firstName: "Ann" });
      expect((await store.findContact("p", "old@x.ca"))?.fields).toEqual({ email: "old@x.ca", firstName: "Olga" });
      expect(await imports.get("p", record.id)).toMatchObject({ status: "done", created: 2, updated: 1, finishedAt: expect.any(Number) });
      expect(await imports.get("other", record.id)).toBeUndefined();
    });

    it("keeps at most 1,000 rejections while counting every rejected row", async () => {
      const { imports } = await setup();
      const csv = `email\n${Array.from({ length: 1005 }, (_, i) => `bad${i}`).join("\n")}\nok@x.ca\n`;
      const { record } = await (await imports.accept("p", chunks(Buffer.from(csv), 1 << 16))).run();
      expect(record).toMatchObject({ status: "done", rejected: 1005, created: 1 });
      expect(record.rejections).toHaveLength(1000);
      expect(record.rejections[999]).toEqual({ row: 1000, line: 1001, column: "email", reason: '"bad999" is not an email address' });
      expect((await imports.get("p", record.id))?.rejections).toHaveLength(1000);
    });

    it("ends an import stopped by a shutdown as failed, saying so, and leaves no staged file", async () => {
      const { imports } = await setup();
      const accepted = await imports.accept("p", chunks(Buffer.from("email\na@x.ca\nb@x.ca\nc@x.ca\n"), 64));
      const stop = new AbortController();
      stop.abort();
      const { record } = await accepted.run({ signal: stop.signal });
      expect(record.status).toBe("failed");
      expect(record.error).toContain("stopped before the end");
      expect(await imports.get("p", record.id)).toMatchObject({ status: "failed", error: record.error });
      expect(await store.listContacts("p")).toEqual([]);
    });

    it("marks failed an import whose process died, and only after a minute without progress", async () => {
      const { imports, clock } = await setup();
      // Accepted but never run: what a SIGKILL between the 202 and the first chunk leaves behind.
      const dead = await imports.accept("p", chunks(Buffer.from("email\na@x.ca\n"), 64));
      await dead.discard();
      clock.set(clock.now() + 30_000);
      const live = await imports.accept("p", chunks(Buffer.from("email\nb@x.ca\n"), 64));
      expect(await imports.failAbandoned(60_000)).toEqual([]);
      clock.set(clock.now() + 31_000);
      expect(await imports.failAbandoned(60_000)).toEqual([dead.record.id]);
      expect(await imports.get("p", dead.record.id)).toMatchObject({ status: "failed", error: expect.stringMatching(/^interrupted: .*import the file again/), finishedAt: clock.now() });
      expect(await imports.get("p", live.record.id)).toMatchObject({ status: "queued" });
      // The live one runs to the end; a later sweep leaves finished imports alone.
      expect((await live.run()).record.status).toBe("done");
      clock.set(clock.now() + 3_600_000);
      expect(await imports.failAbandoned(60_000)).toEqual([]);
      expect(await imports.get("p", live.record.id)).toMatchObject({ status: "done" });
    });

    it("leaves no staged file behind, whether the import is done or the file refused", async () => {
      const { imports } = await setup();
      const dir = await mkdtemp(join(tmpdir(), "relais-import-test-"));
      try {
        await (await imports.accept("p", chunks(Buffer.from("email\na@x.ca\n"), 64), { tmpDir: dir })).run();
        await refusal(imports.accept("p", chunks(Buffer.from("email,colour\na@x.ca,red\n"), 64), { tmpDir: dir }));
        expect(await readdir(dir)).toEqual([]);
        expect(await imports.list("p")).toHaveLength(1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
