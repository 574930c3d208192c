import pg from "pg";
import type { ClientConfig } from "pg";

/** The first wait before reconnecting a lost listener, doubled after each failure up to `MAX_RETRY_MS`. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/**
 * The LISTEN half of the workers' wake-ups: one dedicated connection (outside the store's pool,
 * so it never holds a pooled client) listening on the store's channel. `onWake` runs for every
 * notification sent by ANOTHER store (a process's own commits do not wake it: it knows what it
 * just did), and once after each reconnection, since notifications sent while the connection was
 * down are lost. A lost connection (server restart, network cut, the backend terminated) is
 * reconnected with a growing delay; the callers' idle poll covers the gap.
 */
export class WakeListener {
  private client: pg.Client | undefined;
  private readonly dead = new WeakSet<pg.Client>();
  private retry: NodeJS.Timeout | undefined;
  private delay = FIRST_RETRY_MS;
  private closed = false;

  /**
   * `config`: how to reach the database; `channel`: the NOTIFY channel; `self`: the payload this
   * process's own notifications carry (ignored).
   */
  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly self: string,
    private readonly onWake: () => void,
  ) {}

  /** Whether the LISTEN connection is up right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and listens; when that fails the listener keeps retrying in the background. */
  async start(): Promise<void> {
    await this.connect(false);
  }

  /** Stops listening and closes the connection; no reconnection follows. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.dead.add(client);
      await client.end().catch(() => undefined);
    }
  }

  private async connect(again: boolean): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ ...this.config, keepAlive: true, application_name: "relais-listen" });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (n) => {
      if (n.channel === this.channel && n.payload !== this.self) this.onWake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.closed || this.dead.has(client)) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = FIRST_RETRY_MS;
    if (again) this.onWake();
  }

  /** A connection failed or ended: drop it and, unless closed, try again later. */
  private lost(client: pg.Client): void {
    if (this.dead.has(client)) return;
    this.dead.add(client);
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.retry = setTimeout(() => void this.connect(true), this.delay);
    // A worker stopping must not wait for a pending retry.
    this.retry.unref();
    this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
  }
}
