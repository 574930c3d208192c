import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";
import { startSftpServer } from "./sftp-server.js";

for (const { name } of SERVER_STORES) {
  describe(`POST /destinations/:key/test over a real SSH server (${name})`, () => {
    let s: TestServer | undefined;
    let sftp: Awaited<ReturnType<typeof startSftpServer>> | undefined;
    let root: string | undefined;
    afterEach(async () => {
      await s?.close();
      await sftp?.close();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("answers ok with the fingerprint, then a specific error for each failure", async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "relais-dest-"));
      fs.mkdirSync(path.join(root, "in"));
      sftp = await startSftpServer({ root });
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      const base = "/api/v1/projects/shop/destinations";
      const add = async (key: string, extra: Record<string, unknown>) => {
        const r = await s!.call("POST", base, p.auth, { key, host: "127.0.0.1", port: sftp!.port, username: "relais", directory: "/in", hostKey: sftp!.fingerprint, auth: { password: "secret" }, ...extra });
        expect(r.statusCode, r.body).toBe(201);
      };
      const test = async (key: string) => {
        const r = await s!.call("POST", `${base}/${key}/test`, p.auth);
        expect(r.statusCode, r.body).toBe(200);
        expect(r.body).not.toContain("secret");
        return r.json() as { ok: boolean; code?: string; error?: string; fingerprint?: string };
      };
      await add("good", {});
      await add("badpass", { auth: { password: "wrong" } });
      await add("badkey", { hostKey: "SHA256:" + "B".repeat(43) });
      await add("nofolder", { directory: "/missing" });
      expect(await test("good")).toEqual({ ok: true, fingerprint: sftp.fingerprint });
      expect(fs.readdirSync(path.join(root, "in"))).toEqual([]);
      expect(await test("badpass")).toMatchObject({ ok: false, code: "authFailed" });
      const badKey = await test("badkey");
      expect(badKey).toMatchObject({ ok: false, code: "hostKeyMismatch", fingerprint: sftp.fingerprint });
      expect(badKey.error).toContain("SHA256:" + "B".repeat(43));
      expect(await test("nofolder")).toMatchObject({ ok: false, code: "noSuchFolder" });
      sftp.state.denyWrites = true;
      expect(await test("good")).toMatchObject({ ok: false, code: "permissionDenied" });
      expect((await s.call("POST", `${base}/nope/test`, p.auth)).statusCode).toBe(404);
    });
  });
}
