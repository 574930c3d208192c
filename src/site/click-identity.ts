import type { LinkSigner, MessageKey } from "../channels/links.js";
import type { ServerContext } from "../server/context.js";
import { SITE_TOKEN_PARAM, SiteTokens } from "./identity-token.js";
import { siteDb } from "./site-db.js";

/**
 * The URL a click redirect sends the browser to: the signed target itself, plus a site identity
 * token (`relais_t`) when the target is on one of the project's declared sites and site tracking
 * is on. Any other target (another site, a project without tracking) is left exactly as signed,
 * so no token leaves for a third party. Never throws: the click goes through whatever happens.
 */
export class ClickIdentity {
  private readonly tokens: SiteTokens;

  constructor(private readonly ctx: Pick<ServerContext, "store" | "clock" | "secret">, private readonly links: LinkSigner) {
    this.tokens = new SiteTokens(ctx.secret);
  }

  /** For a `/t/c/<token>?u=<url>` click (email). */
  async target(clickToken: string, url: string): Promise<string> {
    try {
      const key = this.links.verify("click", clickToken, url);
      return key ? await this.decorate(key, url) : url;
    } catch {
      return url;
    }
  }

  /** For a `/l/<code>` short link (SMS): `url` is the one its message holds. */
  async shortTarget(code: string, url: string): Promise<string> {
    try {
      const ref = this.links.verifyShort(code);
      if (!ref) return url;
      const db = siteDb(this.ctx.store);
      const m = await db.first(db.q.selectFrom("messages").select("element").where("journey_id", "=", ref.journey).where("hop", "=", ref.hop));
      return m ? await this.decorate({ journey: ref.journey, element: m.element, hop: ref.hop }, url) : url;
    } catch {
      return url;
    }
  }

  private async decorate(key: MessageKey, url: string): Promise<string> {
    const target = new URL(url);
    const db = siteDb(this.ctx.store);
    const m = await db.first(db.q.selectFrom("messages").select("project_id").where("journey_id", "=", key.journey).where("hop", "=", key.hop).where("element", "=", key.element));
    if (!m) return url;
    const config = await this.ctx.store.getProject(m.project_id);
    if (config?.modules.siteTracking !== true || !(config.sites ?? []).includes(target.origin)) return url;
    target.searchParams.set(SITE_TOKEN_PARAM, this.tokens.forMessage(key, this.ctx.clock.now()));
    return target.href;
  }
}
