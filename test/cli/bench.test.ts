import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

it("the b1 benchmark runs end to end and ends with its JSON line (a small size, not a timing)", () => {
  const dir = mkdtempSync(join(tmpdir(), "relais-bench-"));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "relais.js"), "bench", "b1", "--contacts", "2000", "--dir", dir], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    expect(result).toMatchObject({ workload: "b1", contacts: 2000 });
    // 2,000 through the trigger and the profile condition, 1,000 through the send and the delay and the
    // opened condition, and every journey logged at its end: 4.5 steps a contact.
    expect(result.contactSteps).toBe(9000);
    for (const key of ["seconds", "contactStepsPerSecond", "peakRssMiB"]) expect(result[key]).toBeGreaterThan(0);
    expect(r.stderr).toContain("success");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("the email benchmark hands every personalized email to a real SMTP server (a small size, not a timing)", () => {
  const dir = mkdtempSync(join(tmpdir(), "relais-bench-"));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "relais.js"), "bench", "email", "--contacts", "300", "--dir", dir], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    expect(result).toMatchObject({ workload: "email", messages: 300, receivedBySmtpServer: 300 });
    for (const key of ["seconds", "messagesPerSecond"]) expect(result[key]).toBeGreaterThan(0);
    expect(result.split.smtpSeconds).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
