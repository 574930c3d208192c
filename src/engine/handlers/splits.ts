import type { Token } from "../../store/store.js";
import type { BatchContext, Decision, Handler } from "../handler.js";
import { draw } from "../random.js";
import { localDate } from "../time.js";
import { addDuration } from "../time.js";

const rand = (ctx: BatchContext, t: Token, salt = "") => draw(ctx.campaign.seed, ctx.campaign.id, ctx.element.id, t.contactId, salt);

/** Tokens in the order of their random draw (ties by contact id). */
function shuffled(tokens: Token[], ctx: BatchContext): Token[] {
  return tokens
    .map((t) => ({ t, r: rand(ctx, t) }))
    .sort((a, b) => a.r - b.r || (a.t.contactId < b.t.contactId ? -1 : 1))
    .map((x) => x.t);
}

/** Weighted pick of a key for a draw u in [0, 1). */
function pick(u: number, variants: { key: string; weight: number }[]): string {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  let acc = 0;
  for (const v of variants) {
    acc += v.weight / total;
    if (u < acc) return v.key;
  }
  return variants[variants.length - 1].key;
}

const ax: Handler = async (tokens, ctx) => {
  const { variants, winner } = ctx.element.params as { variants: { key: string; weight: number }[]; winner?: string };
  const chosen = winner ?? ctx.campaign.state.winners?.[ctx.element.id];
  return tokens.map((token) => ({ token, exit: chosen ?? pick(rand(ctx, token), variants) }));
};

/**
 * A/X test. In a run of N contacts each variant gets exactly floor(N × percent / 100), drawn at
 * random; event-triggered entries are drawn one by one. The others are held until a winner is
 * chosen, then released to it (and counted in its exit).
 */
const axTest: Handler = async (tokens, ctx) => {
  const { variants, winner } = ctx.element.params as {
    variants: { key: string; percent: number }[];
    winner: { mode: "manual" } | { mode: "auto"; metric: string; after: { amount: number; unit: "minutes" | "hours" | "days" | "weeks" } };
  };
  const state = ctx.campaign.state;
  const chosen = state.winners?.[ctx.element.id];
  const out: Decision[] = [];
  if (chosen) {
    for (const token of tokens) {
      // A held token released to the winner keeps its place in the test's figures as released.
      await ctx.store.setVariant(token.journey, ctx.element.id, chosen, true);
      out.push({ token, exit: chosen });
    }
    return out;
  }
  if (winner.mode === "auto" && state.firstArrival?.[ctx.element.id] === undefined && tokens.length > 0) {
    ctx.campaign.state = await ctx.store.updateCampaignState(ctx.campaign.id, { firstArrival: { [ctx.element.id]: ctx.now } });
    // Only the worker whose arrival counted as the first sets the winner's timer.
    const first = ctx.campaign.state.firstArrival?.[ctx.element.id];
    if (first === ctx.now) await ctx.store.addTimer(ctx.campaign.id, ctx.element.id, null, addDuration(ctx.now, winner.after, ctx.compiled.timezone), "axWinner");
  }
  const byRun = new Map<number, Token[]>();
  for (const token of tokens) {
    if (token.runId === null) {
      const u = rand(ctx, token, String(token.journey)) * 100;
      let acc = 0;
      const v = variants.find((x) => u < (acc += x.percent));
      out.push(v ? { token, exit: v.key } : { token, hold: true });
    } else {
      const list = byRun.get(token.runId) ?? [];
      list.push(token);
      byRun.set(token.runId, list);
    }
  }
  for (const list of byRun.values()) {
    const order = shuffled(list, ctx);
    let i = 0;
    for (const v of variants) {
      const n = Math.floor((list.length * v.percent) / 100);
      for (const token of order.slice(i, i + n)) out.push({ token, exit: v.key });
      i += n;
    }
    for (const token of order.slice(i)) out.push({ token, hold: true });
  }
  for (const d of out) await ctx.store.setVariant(d.token.journey, ctx.element.id, "exit" in d ? d.exit : null, false);
  return out;
};

/**
 * Contact distribution: outputs fill in order up to their maximum per period (run, local day or
 * the whole campaign); within a period the contacts for each are drawn at random; the rest go `rest`.
 */
const distribution: Handler = async (tokens, ctx) => {
  const { outputs, per = "run" } = ctx.element.params as { outputs: { max: number }[]; per?: "run" | "day" | "campaign" };
  const periods = new Map<string, Token[]>();
  for (const t of tokens) {
    const key = per === "campaign" ? "all" : per === "day" ? localDate(ctx.now, ctx.compiled.timezone) : t.runId !== null ? `run:${t.runId}` : `at:${t.dueAt}`;
    const list = periods.get(key) ?? [];
    list.push(t);
    periods.set(key, list);
  }
  const out: Decision[] = [];
  for (const [period, list] of periods) {
    const used = await ctx.store.counters(ctx.campaign.id, ctx.element.id, period);
    const order = shuffled(list, ctx);
    let i = 0;
    for (let o = 0; o < outputs.length && i < order.length; o++) {
      const exit = `out${o + 1}`;
      const room = Math.max(0, outputs[o].max - (used.get(exit) ?? 0));
      const take = order.slice(i, i + room);
      i += take.length;
      for (const token of take) out.push({ token, exit });
      if (take.length) await ctx.store.addCounter(ctx.campaign.id, ctx.element.id, period, exit, take.length);
    }
    for (const token of order.slice(i)) out.push({ token, exit: "rest" });
  }
  return out;
};

export const splitHandlers: Record<string, Handler> = {
  "split.ax": ax,
  "split.axTest": axTest,
  "split.distribution": distribution,
};

/** Elements whose handler must see every contact due at the same instant at once. */
export const SET_ELEMENTS = new Set(["split.axTest", "split.distribution", "condition.deduplicate"]);
