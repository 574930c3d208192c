import js from "@eslint/js";
import tseslint from "typescript-eslint";

const IO_MODULES = [
  "node:*", "fs", "fs/*", "path", "os", "child_process", "net", "http", "https", "crypto", "stream", "worker_threads",
  "better-sqlite3", "pg", "kysely", "nodemailer", "smtp-server", "ssh2", "ssh2-sftp-client", "web-push", "smpp",
  "fastify", "fastify*", "@fastify/*", "mjml", "undici", "ws",
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/", "web/dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The model is imported by the editor: it must stay pure (no Node APIs, no I/O libraries).
    files: ["src/model/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: IO_MODULES.map((group) => ({ group: [group], message: "src/model must stay free of I/O: the editor imports it." })) }],
      "no-restricted-globals": ["error", "process", "require", "Buffer", "__dirname"],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "inject the clock" },
        { object: "Math", property: "random", message: "use the seeded randomness" },
      ],
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: IO_MODULES.map((group) => ({ group: [group], message: "the engine reaches storage and channels through interfaces" })) }],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "inject the clock" },
        { object: "Math", property: "random", message: "use the seeded randomness" },
      ],
    },
  },
);
