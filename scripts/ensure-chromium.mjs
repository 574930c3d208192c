/* global process, console */
// The browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core; no browser
// is ever downloaded. When it is missing and we may install packages (root with apt-get), install
// the Debian package; otherwise say exactly what to do.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.RELAIS_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root && existsSync("/usr/bin/apt-get")) {
    console.error(`${CHROMIUM} is missing: installing Debian's chromium package for the browser tests`);
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    console.error(`The browser tests need Chromium at ${CHROMIUM}: run \`sudo apt-get install chromium\` (Debian/Ubuntu), or set RELAIS_CHROMIUM to a Chromium binary.`);
    process.exit(1);
  }
}
