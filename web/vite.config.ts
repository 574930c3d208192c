import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The editor: built to dist/web, served by `relais serve` at `/`. `npm run dev:web` proxies the API. */
export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  resolve: { alias: [{ find: /^rrule$/, replacement: fileURLToPath(new URL("./src/rrule-shim.ts", import.meta.url)) }] },
  build: { outDir: fileURLToPath(new URL("../dist/web", import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
