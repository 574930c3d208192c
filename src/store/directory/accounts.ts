import bcrypt from "bcryptjs";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { DirectoryDb } from "./directory-db.js";

export const ROLES = ["admin", "editor", "approver", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  lang: string;
  createdAt: number;
}

export interface ApiKeyInfo {
  id: string;
  projectId: string;
  name: string;
  /** The first characters of the key, to recognise it in a list; the key itself is never stored. */
  prefix: string;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Sessions last two weeks from their creation. */
export const SESSION_MS = 14 * 24 * 3600 * 1000;
const BCRYPT_ROUNDS = 10;
let dummyHash: string | undefined;

/** SHA-256 of a high-entropy token (API key, session): enough to store it, fast to look it up. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function toUser(r: { id: string; email: string; name: string; is_admin: number; lang: string; created_at: number }): User {
  return { id: r.id, email: r.email, name: r.name, isAdmin: Number(r.is_admin) === 1, lang: r.lang, createdAt: Number(r.created_at) };
}

function toKey(r: Record<string, unknown>): ApiKeyInfo {
  return {
    id: String(r.id), projectId: String(r.project_id), name: String(r.name), prefix: String(r.prefix), role: r.role as Role,
    createdAt: Number(r.created_at), lastUsedAt: r.last_used_at == null ? null : Number(r.last_used_at),
    revokedAt: r.revoked_at == null ? null : Number(r.revoked_at),
  };
}

/**
 * Users (passwords hashed with bcrypt), sessions and API keys (stored as SHA-256 of a random
 * token, shown once), and memberships: a user's role per project. Instance administrators
 * may act on every project.
 */
export class Accounts {
  constructor(private readonly db: DirectoryDb) {}

  async createUser(input: { email: string; password: string; name?: string; isAdmin?: boolean; lang?: string }, now: number): Promise<User> {
    const row = {
      id: randomUUID(), email: input.email.trim().toLowerCase(), name: input.name ?? "",
      password_hash: await bcrypt.hash(input.password, BCRYPT_ROUNDS), is_admin: input.isAdmin ? 1 : 0, lang: input.lang ?? "fr", created_at: now,
    };
    await this.db.run(this.db.q.insertInto("users").values(row));
    return toUser(row);
  }

  async countUsers(): Promise<number> {
    const r = await this.db.first(this.db.q.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n")));
    return Number(r?.n ?? 0);
  }

  async userByEmail(email: string): Promise<User | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("users").selectAll().where("email", "=", email.trim().toLowerCase()));
    return r && toUser(r);
  }

  async user(id: string): Promise<User | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("users").selectAll().where("id", "=", id));
    return r && toUser(r);
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.all(this.db.q.selectFrom("users").selectAll().orderBy("email"))).map(toUser);
  }

  /** The user whose email and password match, or undefined (the same answer whether the email exists or not). */
  async verifyPassword(email: string, password: string): Promise<User | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("users").selectAll().where("email", "=", email.trim().toLowerCase()));
    // Compare against a dummy hash when the user is unknown, so timing does not reveal which emails exist.
    dummyHash ??= await bcrypt.hash("relais-no-such-user", BCRYPT_ROUNDS);
    const ok = await bcrypt.compare(password, r?.password_hash ?? dummyHash);
    return r && ok ? toUser(r) : undefined;
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.db.run(this.db.q.updateTable("users").set({ password_hash: await bcrypt.hash(password, BCRYPT_ROUNDS) }).where("id", "=", userId));
  }

  /** Opens a session; returns its token (only its hash is stored). */
  async createSession(userId: string, now: number): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    await this.db.run(this.db.q.insertInto("sessions").values({ token_hash: tokenHash(token), user_id: userId, created_at: now, expires_at: now + SESSION_MS }));
    return token;
  }

  async sessionUser(token: string, now: number): Promise<User | undefined> {
    const r = await this.db.first(
      this.db.q.selectFrom("sessions").innerJoin("users", "users.id", "sessions.user_id")
        .select(["users.id", "users.email", "users.name", "users.is_admin", "users.lang", "users.created_at"])
        .where("sessions.token_hash", "=", tokenHash(token)).where("sessions.expires_at", ">", now),
    );
    return r && toUser(r);
  }

  async endSession(token: string): Promise<void> {
    await this.db.run(this.db.q.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)));
  }

  async setMembership(userId: string, projectId: string, role: Role): Promise<void> {
    await this.db.run(
      this.db.q.insertInto("memberships").values({ user_id: userId, project_id: projectId, role })
        .onConflict((oc) => oc.columns(["user_id", "project_id"]).doUpdateSet({ role })),
    );
  }

  async removeMembership(userId: string, projectId: string): Promise<void> {
    await this.db.run(this.db.q.deleteFrom("memberships").where("user_id", "=", userId).where("project_id", "=", projectId));
  }

  async role(userId: string, projectId: string): Promise<Role | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("memberships").select("role").where("user_id", "=", userId).where("project_id", "=", projectId));
    return r?.role as Role | undefined;
  }

  async memberships(userId: string): Promise<{ projectId: string; role: Role }[]> {
    const rows = await this.db.all(this.db.q.selectFrom("memberships").select(["project_id", "role"]).where("user_id", "=", userId));
    return rows.map((r) => ({ projectId: r.project_id, role: r.role as Role }));
  }

  async projectMembers(projectId: string): Promise<{ user: User; role: Role }[]> {
    const rows = await this.db.all(
      this.db.q.selectFrom("memberships").innerJoin("users", "users.id", "memberships.user_id")
        .select(["users.id", "users.email", "users.name", "users.is_admin", "users.lang", "users.created_at", "memberships.role"])
        .where("memberships.project_id", "=", projectId).orderBy("users.email"),
    );
    return rows.map((r) => ({ user: toUser(r), role: r.role as Role }));
  }

  /** Creates an API key for a project; the returned `key` is shown once and never stored. */
  async createApiKey(projectId: string, name: string, role: Role, now: number): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = `rls_${randomBytes(24).toString("base64url")}`;
    const row = {
      id: randomUUID(), project_id: projectId, name, prefix: key.slice(0, 10), key_hash: tokenHash(key), role,
      created_at: now, last_used_at: null, revoked_at: null,
    };
    await this.db.run(this.db.q.insertInto("api_keys").values(row));
    return { key, info: toKey(row) };
  }

  /** The live key with this secret, or undefined. */
  async apiKey(key: string): Promise<ApiKeyInfo | undefined> {
    const r = await this.db.first(this.db.q.selectFrom("api_keys").selectAll().where("key_hash", "=", tokenHash(key)).where("revoked_at", "is", null));
    return r && toKey(r);
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.db.run(this.db.q.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id));
  }

  async listApiKeys(projectId: string): Promise<ApiKeyInfo[]> {
    return (await this.db.all(this.db.q.selectFrom("api_keys").selectAll().where("project_id", "=", projectId).orderBy("created_at"))).map(toKey);
  }

  /** Revokes a key of the project; false when the project has no such key. */
  async revokeApiKey(projectId: string, id: string, now: number): Promise<boolean> {
    const r = await this.db.first(this.db.q.selectFrom("api_keys").select("id").where("project_id", "=", projectId).where("id", "=", id));
    if (!r) return false;
    await this.db.run(this.db.q.updateTable("api_keys").set({ revoked_at: now }).where("id", "=", id).where("revoked_at", "is", null));
    return true;
  }
}
