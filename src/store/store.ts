import type { CampaignDocument, ProjectConfig, Rule, RuleEnv } from "../model/index.js";

/** A contact as the engine reads it. `pk` is the store's internal key; `id` the user-facing one. */
export interface ContactRecord {
  pk: number;
  id: string;
  status: "active" | "deactivated";
  createdAt: number;
  fields: Record<string, unknown>;
  subscriptions: Record<string, boolean>;
  groups: string[];
  push: unknown[];
  tables?: Record<string, Record<string, unknown>[]>;
}

/** Input shape of a contact (scenario files, imports, the API). */
export interface ContactInput {
  id: string;
  createdAt?: number;
  status?: "active" | "deactivated";
  fields?: Record<string, unknown>;
  subscriptions?: Record<string, boolean>;
  groups?: string[];
  push?: unknown[];
  tables?: Record<string, Record<string, unknown>[]>;
}

export type CampaignStatus = "draft" | "active" | "paused" | "stopped";

export interface CampaignRecord {
  id: string;
  projectId: string;
  doc: CampaignDocument;
  status: CampaignStatus;
  seed: number;
  activatedAt: number | null;
  pausedAt: number | null;
  /** Element state that outlives a batch: A/X test winners, approval decisions. */
  state: CampaignState;
}

export interface CampaignState {
  winners?: Record<string, string>;
  /** First arrival at each A/X test (for automatic winners). */
  firstArrival?: Record<string, number>;
  /** Scheduled triggers have fired every occurrence up to this instant. */
  cursor?: number;
  /** When the document was last created or changed through the API (the campaign list's "last change"). */
  editedAt?: number;
}

/** Journey states: 0 at an element, ready when due; 1 waiting at a delay until due; 2 held until an outside decision; 9 ended. */
export const READY = 0;
export const WAITING = 1;
export const HELD = 2;
export const ENDED = 9;

/** The exit logged (and counted) when publishing a new version moves or ends the tokens of an element it removes. */
export const MIGRATED_EXIT = "migrated";

/** A token: one journey's place in a campaign. */
export interface Token {
  journey: number;
  contactPk: number;
  contactId: string;
  element: string;
  runId: number | null;
  enteredAt: number;
  dueAt: number;
  state: number;
  hop: number;
}

/** Where one token goes after a batch. */
export interface Move {
  token: Token;
  /** The element the token leaves (default: the batch's element). */
  from?: string;
  /**
   * The token went straight on to `to` inside the same batch: only the journey log and the
   * counts are written for this move; a later move of the same token gives its final place.
   */
  chained?: boolean;
  /** The exit taken at the current element (recorded in the journey log). Absent for a hold. */
  exit?: string;
  /** Next element, absent when the journey ends. */
  to?: string;
  dueAt: number;
  state: number;
  /** Set when the journey ends. */
  outcome?: string;
  /** When the end element is reached, it is logged too. */
  endElement?: string;
}

export type MessageStatus = "queued" | "sent" | "skipped" | "pendingApproval" | "discarded" | "failed";

export interface MessageInput {
  journey: number;
  contactPk: number;
  contactId: string;
  element: string;
  hop: number;
  channel: "email" | "sms" | "push";
  communicationType: string | null;
  status: MessageStatus;
  reason?: string;
  createdAt: number;
  sendAfter?: number;
  payload: Record<string, unknown>;
}

export interface MessageRecord extends MessageInput {
  id: number;
  campaignId: string;
  sentAt: number | null;
  deliveredAt: number | null;
  openedAt: number | null;
  clickedAt: number | null;
  bouncedAt: number | null;
  complainedAt: number | null;
  unsubscribedAt: number | null;
  unsubscribedType: string | null;
  bounceHard: boolean;
}

/** Upload state of an export or postal file (docs/exports.md, "Uploads"). */
export type FileStatus = "pending" | "uploading" | "uploaded" | "failed";

/** A file written by exportData or a postal element, without its rows. */
export interface FileInfo {
  id: number;
  projectId: string | null;
  campaignId: string;
  element: string;
  destination: string;
  path: string;
  kind: string;
  batchKey: string;
  /** The CSV header (null for files written before it was kept: the first row's keys). */
  columns: string[] | null;
  createdAt: number;
  status: FileStatus;
  /** Claims of the uploader since the file was last queued (each claim tries a few connections). */
  attempts: number;
  lastError: string | null;
  /** When the file is complete and may be uploaded. */
  readyAt: number;
  /** When a pending file that failed may be claimed again. */
  nextAttemptAt: number | null;
  /** The uploader's lease on an `uploading` file: another uploader may take it once it is over. */
  leaseUntil: number | null;
  /** Rows written so far (the last `seq`). */
  rowCount: number;
  /** Rows of the last successful upload, and its size. */
  uploadedRows: number;
  bytes: number | null;
  uploadedAt: number | null;
  updatedAt: number | null;
}

export interface FileRecord extends FileInfo {
  rows: Record<string, unknown>[];
}

/** A file claimed by an uploader: its lease is `owner`'s until `leaseUntil`. */
export interface ClaimedFile extends FileInfo {
  owner: string;
}

/** Who a postal row holds, recorded in the postal history once the file is uploaded. */
export interface PostalHold {
  contactPk: number;
  kind: string;
  /** The address the file held (null for a removal). */
  address: unknown;
}

export interface AppendFileOptions {
  /** The CSV header. */
  columns?: string[];
  /** When the file is complete (kept as the latest of every append's). Default: `at`. */
  readyAt?: number;
  /** For postal files: one entry per row, in the same order. */
  postal?: PostalHold[];
}

export interface StepRecord {
  journey: number;
  element: string;
  at: number;
  exit: string | null;
}

export interface JourneyRecord {
  id: number;
  contactId: string;
  contactPk: number;
  enteredAt: number;
  endedAt: number | null;
  outcome: string | null;
  element: string | null;
  state: number;
}

export type MessageEventType = "delivered" | "bounced" | "opened" | "clicked" | "unsubscribed" | "complained";

export interface ContactPatch {
  fields?: Record<string, unknown>;
  status?: "active" | "deactivated";
  subscriptions?: Record<string, boolean>;
  groups?: string[];
  push?: unknown[];
}

export interface UpsertResult {
  created: number[];
  updated: { pk: number; changed: string[] }[];
}

export interface EnterRequest {
  campaignId: string;
  contactPk: number;
  contactId: string;
  element: string;
  at: number;
  reentry: string;
  runId?: number | null;
  data?: unknown;
}

/** How `Store.claim` takes tokens for a set element (A/X test, distribution, deduplicate). */
export interface ClaimOptions {
  whole?: {
    /**
     * The elements drained before this one within an instant (upstream, lower rank). While a token
     * is due at any of them, or in flight in another worker's batch, the claim takes nothing.
     */
    upstream: string[];
  };
}

/** A run's audience: a rule and what it needs to be evaluated. */
export interface AudienceFilter {
  rule: Rule;
  env: RuleEnv;
}

type Interaction = { contactPk: number; type: string; at: number; messageId: number | null };
type PostalEntry = { kind: string; at: number; address: unknown };

/**
 * Everything the engine, the simulator and the reports need from storage. Methods are
 * batch-grained (a claim, a set of moves, a set of messages), so an adapter writes each
 * batch with a handful of statements. Every method may be called inside `transaction`.
 * Adapters: `SqliteStore` (embedded default) and `PgStore` (PostgreSQL, scale-out). Times are epoch milliseconds.
 */
export interface Store {
  /** The SQL dialect behind the adapter: queries built outside it (the directory) are compiled for it. */
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs one parameterized SQL statement (placeholders of the store's dialect) in the current
   * transaction, if any, and returns its rows (none for a statement that returns nothing).
   * Booleans are bound as 0/1 on SQLite. For the directory (`src/store/directory/`), whose
   * queries are built once with Kysely for both dialects.
   */
  execute(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>;
  /** Runs `fn` in one transaction: everything it writes lands, or nothing does. Nested calls join the outer one. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Optional (PostgreSQL): calls `fn` soon after another process commits a transaction that made
   * engine work due (contacts entered, tokens made ready or set waiting, messages queued, campaigns
   * changed), so a worker sleeps long and still starts at once. Also called after the listening
   * connection was lost and restored. Resolves once listening (or after the first failed attempt:
   * it keeps retrying); the returned function stops listening. An adapter without it is polled.
   */
  subscribeWake?(fn: () => void): Promise<() => Promise<void>>;

  /** Creates or replaces a project's configuration; its promo banks' codes are added. */
  putProject(id: string, config: ProjectConfig): Promise<void>;
  getProject(id: string): Promise<ProjectConfig | undefined>;

  /** Creates contacts by `id` or merges the given fields into existing ones. */
  upsertContacts(projectId: string, inputs: ContactInput[], now: number): Promise<UpsertResult>;
  /** Contacts by internal key; with `tables`, their profiling-table rows too. */
  getContacts(pks: number[], options?: { tables?: boolean }): Promise<Map<number, ContactRecord>>;
  findContact(projectId: string, id: string): Promise<ContactRecord | undefined>;
  listContacts(projectId: string): Promise<ContactRecord[]>;
  patchContact(pk: number, patch: ContactPatch): Promise<void>;
  insertTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void>;
  updateTableRow(pk: number, table: string, row: Record<string, unknown>, now: number): Promise<void>;
  /** Marks an address hard-bounced: later sends to it are skipped. */
  markBounced(projectId: string, address: string, at: number): Promise<void>;
  bouncedAmong(projectId: string, addresses: string[]): Promise<Set<string>>;

  addPromoCodes(projectId: string, bank: string, codes: string[]): Promise<void>;
  /** Gives the next unused code of the bank to the journey, or null when the bank is empty. */
  takePromoCode(projectId: string, bank: string, contactPk: number, journey: number, at: number): Promise<string | null>;
  promoGrants(projectId: string): Promise<{ contactId: string; bank: string; code: string; at: number }[]>;

  addInteraction(projectId: string, contactPk: number, type: "opened" | "clicked", at: number, messageId: number | null): Promise<void>;
  interactions(contactPks: number[], since: number, until: number): Promise<Interaction[]>;
  projectInteractionTimes(projectId: string, until: number): Promise<number[]>;

  saveCampaign(c: CampaignRecord): Promise<void>;
  getCampaign(id: string): Promise<CampaignRecord | undefined>;
  /** Merges a change into a campaign's element state atomically (see `mergeCampaignState`); returns the new state. */
  updateCampaignState(id: string, patch: CampaignState): Promise<CampaignState>;
  listCampaigns(projectId?: string): Promise<CampaignRecord[]>;

  /** Records a run of a batch trigger; null when a run with that key (default: element and instant) exists: each occurrence fires once. */
  createRun(campaignId: string, element: string, at: number, key?: string): Promise<number | null>;
  firedRuns(campaignId: string, element: string): Promise<number[]>;
  /** Enters every eligible contact (active, audience, re-entry) in one set-based statement; returns how many. */
  startRun(projectId: string, campaignId: string, element: string, runId: number, at: number, reentry: string, audience: AudienceFilter | null, contactPks?: number[]): Promise<number>;
  /** Enters one contact, subject to re-entry; returns the journey id or null. */
  enter(req: EnterRequest): Promise<number | null>;

  /** Earliest due time of a token at any of `elements` (held tokens excluded). */
  nextDueAt(campaignId: string, elements: string[]): Promise<number | null>;
  hasDue(campaignId: string, element: string, now: number): Promise<boolean>;
  /**
   * Up to `limit` tokens due at `element`, in due time then contact id order. With `whole` (set
   * elements, which must see a run at once), an adapter shared by several workers gives every due
   * token of the element or none: none while another worker claims for it, or while a token may
   * still be on its way (see `ClaimOptions`). An adapter with one writer at a time may ignore it.
   */
  claim(campaignId: string, element: string, now: number, limit: number, options?: ClaimOptions): Promise<Token[]>;
  /** Writes a batch's moves: positions, journey log, element counts. */
  applyMoves(campaignId: string, element: string, now: number, moves: Move[]): Promise<void>;
  /** Makes the held tokens of an element ready at `now`. */
  releaseHeld(campaignId: string, element: string, now: number): Promise<number>;
  heldTokens(campaignId: string, element: string): Promise<Token[]>;
  /** Pushes waiting tokens due after `after` back by `delta`. */
  shiftWaiting(campaignId: string, after: number, delta: number): Promise<void>;
  /**
   * Publishing a new version: moves every open token at `from` (ready, waiting or held) to `to`,
   * ready at `dueAt` (default `at`; a paused campaign's are due at its pause, so a `retime` resume
   * adds no wait). The journey log gets a step at `from` with exit `MIGRATED_EXIT` at `at`, the
   * counts that exit and a passage into `to`. Returns how many tokens moved.
   */
  moveTokens(campaignId: string, from: string, to: string, at: number, dueAt?: number): Promise<number>;
  /** Publishing a new version: ends every open token at `from` with `outcome` at `at`, logged and counted like `moveTokens`. Returns how many. */
  endTokens(campaignId: string, from: string, outcome: string, at: number): Promise<number>;
  journeyContext(journeys: number[]): Promise<Map<number, { triggerData: unknown; promoCode: string | null; enteredAt: number }>>;

  /** Adds messages to the outbox (idempotent on journey, element, hop); returns each new row's id, null where the key existed. */
  insertMessages(projectId: string, campaignId: string, messages: MessageInput[]): Promise<(number | null)[]>;
  /** Of these messages, the ids of those still queued; inside a transaction they are held (other workers skip them) until it ends. */
  holdQueued(ids: number[]): Promise<number[]>;
  /** Queued messages due by `now` (paused campaigns' excepted); inside a transaction they are held until it ends. */
  dueMessages(now: number, limit: number): Promise<MessageRecord[]>;
  nextMessageAt(): Promise<number | null>;
  /** Marks queued messages sent (a message no longer queued is left as it is). */
  markSent(ids: number[], at: number, delivered: boolean): Promise<void>;
  markFailed(id: number, reason: string): Promise<void>;
  /**
   * A hand-over that failed for a passing reason: the message stays queued, due again after
   * `baseDelayMs × 2^(attempts so far)` from `now`; returns how many attempts failed so far.
   */
  retryMessage(id: number, reason: string, now: number, baseDelayMs: number): Promise<number>;
  journeyMessages(journeys: number[]): Promise<MessageRecord[]>;
  clicksOf(messageIds: number[]): Promise<{ messageId: number; url: string | null; at: number }[]>;
  latestSentMessage(campaignId: string, element: string, contactPk: number): Promise<MessageRecord | undefined>;
  /** The message a send element prepared for one passage of a journey (its natural key), with its events. */
  messageByKey(journey: number, element: string, hop: number): Promise<MessageRecord | undefined>;
  recordMessageEvent(messageId: number, type: MessageEventType, at: number, extra: { url?: string; hard?: boolean; communicationType?: string }): Promise<void>;
  /** Moves the messages of `elements` from one status to another (approval); returns how many. */
  settlePending(campaignId: string, elements: string[], fromStatus: string, toStatus: string, at: number): Promise<number>;
  campaignMessages(campaignId: string): Promise<MessageRecord[]>;

  /**
   * How files reach their destination. `upload` (default): files wait for the uploader
   * (src/exports/uploader.ts) and postal history is recorded when the upload succeeds.
   * `onWrite`: a file counts as delivered the moment its rows are written (postal history at
   * once): `relais simulate`, which has no SFTP server.
   */
  fileDelivery: "upload" | "onWrite";
  /**
   * Appends rows to the file of (campaign, element, batch key), creating it; returns its id.
   * Rows go to `file_rows` in order. A file already uploaded that receives rows is queued again
   * (uploaded whole, under the same name).
   */
  appendFileRows(campaignId: string, element: string, destination: string, path: string, kind: string, batchKey: string, at: number, rows: Record<string, unknown>[], options?: AppendFileOptions): Promise<number>;
  /** A campaign's files with their rows (reports, simulations: small files). */
  campaignFiles(campaignId: string): Promise<FileRecord[]>;
  /** A project's files, newest first, without their rows. */
  listFiles(projectId: string, filter: { campaignId?: string; status?: FileStatus; beforeId?: number; limit: number }): Promise<FileInfo[]>;
  /** The rows of a file with `seq <= upTo`, in order, read page by page (a million-row file never sits in memory). */
  fileRows(fileId: number, upTo: number): AsyncIterable<Record<string, unknown>>;
  /**
   * Takes up to `limit` files due for upload (pending, ready, past their backoff; or uploading
   * with an expired lease), marks them `uploading` under a lease for `owner` until `leaseUntil`,
   * and counts the claim in `attempts`. PostgreSQL skips rows another uploader is claiming.
   */
  claimFiles(now: number, leaseUntil: number, owner: string, limit: number): Promise<ClaimedFile[]>;
  /** Extends `owner`'s lease; false when the lease was lost (expired and taken). */
  renewFileLease(fileId: number, owner: string, leaseUntil: number): Promise<boolean>;
  /**
   * The upload of the file's first `rows` rows succeeded: `uploaded` (or `pending` again when rows
   * came meanwhile), and the postal holds of those rows move to the postal history. False when
   * `owner` no longer holds the lease.
   */
  fileUploaded(fileId: number, owner: string, rows: number, bytes: number, at: number): Promise<boolean>;
  /** A claim failed: `pending` again from `nextAttemptAt`, or `failed` when it is null. */
  fileUploadFailed(fileId: number, owner: string, error: string, nextAttemptAt: number | null, at: number): Promise<boolean>;
  /** Queues a failed file again (attempts reset). */
  retryFile(projectId: string, fileId: number, at: number): Promise<"queued" | "notFound" | "notFailed">;
  recordPostal(projectId: string, destination: string, contactPk: number, fileId: number, at: number, kind: string, address: unknown): Promise<void>;
  postalHistory(projectId: string, destination: string, contactPks: number[], before: number): Promise<Map<number, PostalEntry[]>>;

  counters(campaignId: string, element: string, period: string): Promise<Map<string, number>>;
  addCounter(campaignId: string, element: string, period: string, exit: string, n: number): Promise<void>;
  setVariant(journey: number, element: string, variant: string | null, released: boolean): Promise<void>;
  variantJourneys(element: string, campaignId: string): Promise<{ journey: number; variant: string }[]>;
  journeyOutcomes(journeys: number[]): Promise<Map<number, string | null>>;
  addTimer(campaignId: string, element: string, contactPk: number | null, dueAt: number, kind: string): Promise<void>;
  deleteTimers(filter: { campaignId?: string; element?: string; contactPk?: number; kind: string }): Promise<void>;
  takeDueTimers(campaignId: string, now: number): Promise<{ element: string; contactPk: number | null; dueAt: number; kind: string }[]>;
  nextTimerAt(campaignId: string): Promise<number | null>;
  /** Records something a report should show (an exhausted promo bank, …). */
  notice(campaignId: string, element: string, at: number, code: string, detail: unknown): Promise<void>;

  journeys(campaignId: string): Promise<JourneyRecord[]>;
  steps(campaignId: string): Promise<StepRecord[]>;
  elementStats(campaignId: string): Promise<{ element: string; exit: string; n: number }[]>;
  waitingCounts(campaignId: string): Promise<Map<string, number>>;
  outcomeCounts(campaignId: string): Promise<Map<string, number>>;
}
