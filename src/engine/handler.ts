import type { MessageLinks } from "./links.js";
import type { ContactRecord, MessageRecord, Store, Token, CampaignRecord } from "../store/store.js";
import type { ProjectConfig, RuleEnv } from "../model/index.js";
import type { CompiledCampaign, CompiledElement } from "./compiled-campaign.js";
import type { TemplateRenderer } from "./template.js";

/** What a handler sees of the world for one batch. Writes it makes through `store` land in the batch's transaction. */
export interface BatchContext {
  store: Store;
  projectId: string;
  project: ProjectConfig;
  campaign: CampaignRecord;
  compiled: CompiledCampaign;
  element: CompiledElement;
  now: number;
  renderer: TemplateRenderer;
  baseUrl: string;
  /** Signs the message links (unsubscribe, view online, and the tracking of opens and clicks). */
  links: MessageLinks;
  ruleEnv: RuleEnv;
  /**
   * Messages written to the outbox by this batch and due now: the engine hands them to the
   * transport as soon as the batch commits, without reading them back (the outbox drain
   * remains the path for everything else, and after a crash).
   */
  handOver(messages: MessageRecord[]): void;
  /** The batch's contacts (with profiling-table rows when asked). */
  contacts(tokens: Token[], options?: { tables?: boolean }): Promise<Map<number, ContactRecord>>;
}

/** Where a handler sends one token. */
export type Decision =
  | { token: Token; exit: string }
  | { token: Token; hold: true }
  | { token: Token; wait: number }
  | { token: Token; end: string };

/** A batch step function: tokens in, decisions out. */
export type Handler = (tokens: Token[], ctx: BatchContext) => Promise<Decision[]>;

export const pass = (exit: string) => (tokens: Token[]): Promise<Decision[]> => Promise.resolve(tokens.map((token) => ({ token, exit })));
