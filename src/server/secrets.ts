import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { DirectoryDb } from "../store/directory/directory-db.js";

/**
 * Secrets at rest (SFTP passwords and private keys, later provider credentials): AES-256-GCM
 * with the server's 32-byte key (`ServerContext.secret`), a random 12-byte IV per encryption
 * and the 16-byte authentication tag, stored as `v1:<iv>:<tag>:<ciphertext>` in base64url.
 * GCM authenticates: a changed byte, a wrong key, or a blob moved to another row (the row's
 * identity is bound as additional authenticated data) fails to decrypt instead of yielding garbage.
 */

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A blob that cannot be decrypted: tampered, truncated, another key, or another row's. */
export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretError";
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`the secret key must be 32 bytes, got ${key.length}`);
}

/**
 * Encrypts `plaintext` with AES-256-GCM. `aad` (additional authenticated data) is not stored:
 * the same value must be given to decrypt, which ties the blob to its context.
 */
export function encryptSecret(key: Buffer, plaintext: string, aad = ""): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(":");
}

/** Decrypts a blob of `encryptSecret`; throws `SecretError` when it does not authenticate. */
export function decryptSecret(key: Buffer, blob: string, aad = ""): string {
  checkKey(key);
  const parts = blob.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretError("not a v1 secret blob");
  const [, ivText, tagText, bodyText] = parts;
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretError("malformed secret blob");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(bodyText, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretError("the secret does not authenticate (tampered, or encrypted with another key)");
  }
}

/** The row a secret belongs to, bound into its ciphertext. */
const rowAad = (projectId: string, scope: string, key: string) => JSON.stringify([projectId, scope, key]);

/** Stores (or replaces) a secret, encrypted. Call inside `store.transaction`. */
export async function putSecret(db: DirectoryDb, projectId: string, scope: string, key: string, plaintext: string, secretKey: Buffer): Promise<void> {
  const ciphertext = encryptSecret(secretKey, plaintext, rowAad(projectId, scope, key));
  await db.run(db.q.insertInto("secrets").values({ project_id: projectId, scope, key, ciphertext })
    .onConflict((oc) => oc.columns(["project_id", "scope", "key"]).doUpdateSet({ ciphertext })));
}

/** A stored secret in clear, or undefined when there is none. Throws `SecretError` when it does not authenticate. */
export async function getSecret(db: DirectoryDb, projectId: string, scope: string, key: string, secretKey: Buffer): Promise<string | undefined> {
  const row = await db.first(db.q.selectFrom("secrets").select("ciphertext")
    .where("project_id", "=", projectId).where("scope", "=", scope).where("key", "=", key));
  return row ? decryptSecret(secretKey, row.ciphertext, rowAad(projectId, scope, key)) : undefined;
}

/** Whether a secret is stored (without decrypting it). */
export async function hasSecret(db: DirectoryDb, projectId: string, scope: string, key: string): Promise<boolean> {
  const row = await db.first(db.q.selectFrom("secrets").select("key")
    .where("project_id", "=", projectId).where("scope", "=", scope).where("key", "=", key));
  return row !== undefined;
}

/** Removes a secret (nothing when there is none). Call inside `store.transaction`. */
export async function deleteSecret(db: DirectoryDb, projectId: string, scope: string, key: string): Promise<void> {
  await db.run(db.q.deleteFrom("secrets").where("project_id", "=", projectId).where("scope", "=", scope).where("key", "=", key));
}
