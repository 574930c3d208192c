import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { csvStream } from "../../src/exports/csv.js";
import { SftpError, testDestination, uploadWithRetry, type SftpTarget } from "../../src/exports/sftp.js";
import { startSftpServer } from "./sftp-server.js";

let root: string;
let server: Awaited<ReturnType<typeof startSftpServer>>;
let target: SftpTarget;

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "relais-sftp-"));
  fs.mkdirSync(path.join(root, "in"));
  server = await startSftpServer({ root });
  target = { host: "127.0.0.1", port: server.port, username: "relais", directory: "/in", hostKey: server.fingerprint, auth: { password: "secret" } };
});
afterEach(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const rows = [
  { id: "c1", name: "Hélène Côté", note: 'dit "bonjour"; merci' },
  { id: "c2", name: "Zoë, fils", note: "ligne 1\nligne 2" },
];

describe("SFTP upload of a CSV file", () => {
  it("writes the file byte for byte: BOM, ; delimiter, RFC 4180 quoting, UTF-8 accents", async () => {
    await uploadWithRetry(target, "export.csv", () => csvStream(["id", "name", "note"], rows, { delimiter: ";", bom: true }));
    const bytes = fs.readFileSync(path.join(root, "in", "export.csv"));
    const expected = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id;name;note\r\nc1;Hélène Côté;"dit ""bonjour""; merci"\r\nc2;Zoë, fils;"ligne 1\nligne 2"\r\n', "utf8")]);
    expect(bytes.equals(expected)).toBe(true);
    expect(fs.readdirSync(path.join(root, "in"))).toEqual(["export.csv"]);
  });

  it("uses , without BOM by default", async () => {
    await uploadWithRetry(target, "plain.csv", () => csvStream(["id", "name"], rows.map(({ id, name }) => ({ id, name }))));
    expect(fs.readFileSync(path.join(root, "in", "plain.csv"), "utf8")).toBe('id,name\r\nc1,Hélène Côté\r\nc2,"Zoë, fils"\r\n');
  });

  it("refuses a wrong host key, naming both fingerprints, and sends nothing", async () => {
    const wrong = "SHA256:" + "A".repeat(43);
    const err = await uploadWithRetry({ ...target, hostKey: wrong }, "x.csv", () => csvStream(["id"], [{ id: "1" }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SftpError);
    expect((err as SftpError).code).toBe("hostKeyMismatch");
    expect((err as SftpError).message).toContain(server.fingerprint);
    expect((err as SftpError).message).toContain(wrong);
    expect(fs.readdirSync(path.join(root, "in"))).toEqual([]);
  });

  it("names a wrong password, without retrying", async () => {
    const err = await uploadWithRetry({ ...target, auth: { password: "nope" } }, "x.csv", () => csvStream(["id"], [{ id: "1" }]), { baseDelayMs: 10 }).catch((e: unknown) => e);
    expect((err as SftpError).code).toBe("authFailed");
    expect((err as SftpError).retryable).toBe(false);
  });

  it("names a permission denied", async () => {
    server.state.denyWrites = true;
    const err = await uploadWithRetry(target, "x.csv", () => csvStream(["id"], [{ id: "1" }]), { baseDelayMs: 10 }).catch((e: unknown) => e);
    expect((err as SftpError).code).toBe("permissionDenied");
    expect(fs.readdirSync(path.join(root, "in"))).toEqual([]);
  });

  it("retries after a connection cut mid-upload: full file once, no temp file left", async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, name: `Contact ${i}` }));
    server.state.cutAfterBytes = 100_000;
    const { attempts } = await uploadWithRetry(target, "big.csv", () => csvStream(["id", "name"], many), { baseDelayMs: 10 });
    expect(attempts).toBe(2);
    const lines = fs.readFileSync(path.join(root, "in", "big.csv"), "utf8").split("\r\n");
    expect(lines[0]).toBe("id,name");
    expect(lines.length).toBe(20_002);
    expect(new Set(lines.slice(1, -1)).size).toBe(20_000);
    expect(fs.readdirSync(path.join(root, "in"))).toEqual(["big.csv"]);
  });

  it("destination test: ok with the fingerprint, or a specific error", async () => {
    expect(await testDestination(target)).toEqual({ ok: true, fingerprint: server.fingerprint });
    expect(fs.readdirSync(path.join(root, "in"))).toEqual([]);
    expect((await testDestination({ ...target, directory: "/missing" })).code).toBe("noSuchFolder");
    expect((await testDestination({ ...target, auth: { password: "bad" } })).code).toBe("authFailed");
    expect((await testDestination({ ...target, port: 1 })).code).toBe("unreachable");
    server.state.denyWrites = true;
    expect((await testDestination(target)).code).toBe("permissionDenied");
  });
});
