import { z } from "zod";
import type { DestinationDef } from "../model/index.js";
import { SlugKey } from "./config-keys.js";

/**
 * SFTP destinations of exported files. The connection settings are configuration (the
 * project document); the credentials are a secret, encrypted in the directory's `secrets`
 * table under scope `destination` and the destination's key, and never shown again.
 */
export const DESTINATION_SCOPE = "destination";

/** `SHA256:` and 43 base64 characters: what `ssh-keygen -lf` and `ssh-keyscan | ssh-keygen -lf -` print. */
export const HostKeyFingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/,
  "a SHA256 host key fingerprint like SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (ssh-keyscan host | ssh-keygen -lf -)");

const Host = z.string().min(1).max(253).regex(/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/,
  "a host name or an IP address");
const hasControl = (s: string) => [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const Username = z.string().min(1).max(200).refine((s) => !hasControl(s), "no control characters");
const Directory = z.string().max(1000).refine((s) => s.startsWith("/") && !hasControl(s), "an absolute path, starting with /, without control characters");

/**
 * The credentials: a password, or a private key (OpenSSH or PEM) with its passphrase if it has one.
 * One object with a refinement rather than a union, so a mistake is named precisely.
 */
export const SftpAuth = z.strictObject({
  password: z.string().min(1).max(1000).optional(),
  privateKey: z.string().max(20_000)
    .refine((k) => /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(k) && /-----END [A-Z0-9 ]*PRIVATE KEY-----/.test(k),
      "a private key in OpenSSH or PEM form (-----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----)")
    .optional(),
  passphrase: z.string().min(1).max(1000).optional(),
}).superRefine((a, ctx) => {
  if ((a.password === undefined) === (a.privateKey === undefined)) {
    ctx.addIssue({ code: "custom", message: "give either password or privateKey (with passphrase when the key has one)" });
  }
  if (a.passphrase !== undefined && a.privateKey === undefined) {
    ctx.addIssue({ code: "custom", path: ["passphrase"], message: "a passphrase goes with privateKey" });
  }
});
export type SftpAuth = z.infer<typeof SftpAuth>;

const settings = {
  type: z.literal("sftp").default("sftp"),
  host: Host,
  port: z.number().int().min(1).max(65535).default(22),
  username: Username,
  directory: Directory.default("/"),
  hostKey: HostKeyFingerprint,
  /** CSV files sent there: `;` for French-locale spreadsheets; `bom` so Excel reads accents (docs/exports.md). */
  delimiter: z.enum([",", ";"]).default(","),
  bom: z.boolean().default(false),
};

/** `POST /destinations`: settings and credentials. */
export const NewDestination = z.strictObject({ key: SlugKey, ...settings, auth: SftpAuth });

/** `PUT /destinations/:key`: every setting again; `auth` only to change the credentials (absent: kept). */
export const DestinationUpdate = z.strictObject({ ...settings, auth: SftpAuth.optional() });

/** A destination as the API shows it: never its credentials, only whether they are set. */
export const DestinationOut = z.object({
  key: z.string(),
  type: z.string(),
  host: z.string().nullable(),
  port: z.number().nullable(),
  username: z.string().nullable(),
  directory: z.string().nullable(),
  hostKey: z.string().nullable(),
  delimiter: z.enum([",", ";"]),
  bom: z.boolean(),
  auth: z.object({ type: z.enum(["password", "privateKey"]).nullable(), set: z.boolean() }),
});
export type DestinationOut = z.infer<typeof DestinationOut>;

/** The stored credentials, as encrypted (JSON). */
export function authSecret(auth: SftpAuth): string {
  return JSON.stringify(auth.password !== undefined
    ? { password: auth.password }
    : { privateKey: auth.privateKey, ...(auth.passphrase !== undefined ? { passphrase: auth.passphrase } : {}) });
}

export const authTypeOf = (auth: SftpAuth): "password" | "privateKey" => (auth.password !== undefined ? "password" : "privateKey");

/** The configuration entry of a destination (no secret in it). */
export function destinationDef(key: string, s: z.infer<typeof DestinationUpdate>, authType: "password" | "privateKey" | undefined): DestinationDef {
  return {
    key, type: s.type, host: s.host, port: s.port, username: s.username, directory: s.directory, hostKey: s.hostKey,
    ...(authType ? { authType } : {}),
    ...(s.delimiter !== "," ? { delimiter: s.delimiter } : {}),
    ...(s.bom ? { bom: true } : {}),
  };
}

export function destinationOut(d: DestinationDef, secretSet: boolean): DestinationOut {
  return {
    key: d.key, type: d.type, host: d.host ?? null, port: d.port ?? null, username: d.username ?? null,
    directory: d.directory ?? null, hostKey: d.hostKey ?? null, delimiter: d.delimiter ?? ",", bom: d.bom ?? false,
    auth: { type: secretSet ? (d.authType ?? null) : null, set: secretSet },
  };
}
