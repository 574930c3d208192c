import type { Store } from "../store/store.js";
import { ChannelRouter } from "./router.js";

/** What building the transports may read: the process environment and the store (per-project settings, secrets). */
export interface TransportDeps {
  env: NodeJS.ProcessEnv;
  store: Store;
  /** Key material for secrets at rest (the server secret), when the process has it. */
  secret?: Buffer;
  log: (line: string) => void;
}

/**
 * The transports of `relais serve` and `relais worker`: one router, each channel registered when
 * it is configured, the capture outbox for the others. The single place where channels plug in.
 */
export function buildTransports(deps: TransportDeps): ChannelRouter {
  void deps;
  const router = new ChannelRouter();
  return router;
}
