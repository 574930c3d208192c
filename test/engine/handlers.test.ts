import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/engine/handler.js";
import type { CampaignElement, ProjectConfigInput } from "../../src/model/index.js";
import type { ContactInput, MessageInput } from "../../src/store/store.js";
import { CAMPAIGN_ID, HandlerHarness, ids, PROJECT_ID, routes, tally, ZONE } from "./handler-harness.js";

const T0 = DateTime.fromISO("2026-06-15T10:00", { zone: ZONE }).toMillis();
const MIN = 60_000;
const DAY = 86_400_000;

const contactsOf = (list: string[], extra: (id: string, i: number) => Partial<ContactInput> = () => ({})): ContactInput[] =>
  list.map((id, i) => ({ id, createdAt: T0 - DAY, ...extra(id, i) }));

async function harness(element: CampaignElement, contacts: ContactInput[], project: ProjectConfigInput = {}, seed = 1) {
  return new HandlerHarness(element, project, seed).init(contacts);
}

const exitsOf = (decisions: Decision[], exit: string) => decisions.filter((d) => "exit" in d && d.exit === exit).map((d) => d.token.contactId).sort();

describe("split.axTest", () => {
  const axTest = (variants: [string, number][], winner: object = { mode: "manual" }): CampaignElement => ({
    id: "ab", type: "split.axTest", params: { variants: variants.map(([key, percent]) => ({ key, percent })), winner },
  });

  it("gives each variant exactly floor(N × percent / 100) of a run and holds the rest", async () => {
    const h = await harness(axTest([["A", 10], ["B", 30]]), contactsOf(ids(25)));
    await h.run(T0);
    const d = await h.handle(T0);
    expect(d).toHaveLength(25);
    expect(tally(d)).toEqual({ A: 2, B: 7, hold: 16 });
  });

  it("counts each run of the batch on its own", async () => {
    const all = ids(40);
    const h = await harness(axTest([["A", 10], ["B", 30]]), contactsOf(all));
    await h.run(T0, all.slice(0, 15));
    await h.run(T0, all.slice(15));
    const d = await h.handle(T0);
    // floor(1.5) + floor(2.5) = 3 and floor(4.5) + floor(7.5) = 11, where one run of 40 would give 4 and 12.
    expect(tally(d)).toEqual({ A: 3, B: 11, hold: 26 });
  });

  it("sends everyone to a variant when the percentages add up to 100 and divide the run evenly", async () => {
    const h = await harness(axTest([["A", 50], ["B", 50]]), contactsOf(ids(10)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ A: 5, B: 5 });
  });

  it("holds the rounding remainder even when the percentages add up to 100", async () => {
    const h = await harness(axTest([["A", 33], ["B", 33], ["C", 34]]), contactsOf(ids(10)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ A: 3, B: 3, C: 3, hold: 1 });
  });

  it("routes the same contacts the same way for the same seed, and others for another seed", async () => {
    const pick = async (seed: number) => {
      const h = await harness(axTest([["A", 20], ["B", 20]]), contactsOf(ids(30)), {}, seed);
      await h.run(T0);
      return exitsOf(await h.handle(T0), "A");
    };
    expect(await pick(5)).toEqual(await pick(5));
    const others = await Promise.all([6, 7, 8].map(pick));
    expect(others.some((a) => JSON.stringify(a) !== JSON.stringify(others[0]))).toBe(true);
    expect(await pick(5)).not.toEqual(ids(30).slice(0, 6));
  });

  it("draws contacts entering outside a run one by one with the same percentages", async () => {
    const people = ids(2000);
    const h = await harness(axTest([["A", 10], ["B", 30]]), contactsOf(people));
    await h.enter(T0, people);
    const counts = tally(await h.handle(T0));
    expect(counts.A + counts.B + counts.hold).toBe(2000);
    expect(Math.abs(counts.A - 200)).toBeLessThan(50);
    expect(Math.abs(counts.B - 600)).toBeLessThan(70);
  });

  it("records which variant each routed journey took, holding the others without one", async () => {
    const h = await harness(axTest([["A", 20], ["B", 20]]), contactsOf(ids(10)));
    await h.run(T0);
    const d = await h.handle(T0);
    const routed = await h.store.variantJourneys("ab", CAMPAIGN_ID);
    expect(routed).toHaveLength(4);
    const byJourney = new Map(d.map((x) => [x.token.journey, "exit" in x ? x.exit : "hold"]));
    for (const r of routed) expect(byJourney.get(r.journey)).toBe(r.variant);
  });

  it("sends every contact, held or new, to the winner once one is chosen", async () => {
    const h = await harness(axTest([["A", 10], ["B", 10]]), contactsOf(ids(20)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ A: 2, B: 2, hold: 16 });
    expect(await h.tokens(T0 + DAY)).toEqual([]);
    h.campaign.state.winners = { ab: "B" };
    await h.store.releaseHeld(CAMPAIGN_ID, "ab", T0 + DAY);
    await h.run(T0 + DAY, ids(20).slice(0, 3));
    const later = await h.handle(T0 + DAY);
    expect(later).toHaveLength(16 + 3);
    expect(tally(later)).toEqual({ B: 19 });
    expect(await h.store.variantJourneys("ab", CAMPAIGN_ID)).toHaveLength(4);
  });

  it("starts the automatic winner's clock at the first arrival, once", async () => {
    const h = await harness(axTest([["A", 10], ["B", 10]], { mode: "auto", metric: "opens", after: { amount: 2, unit: "days" } }), contactsOf(ids(10)));
    await h.run(T0);
    await h.handle(T0);
    await h.run(T0 + MIN);
    await h.handle(T0 + MIN);
    expect((await h.store.getCampaign(CAMPAIGN_ID))!.state.firstArrival).toEqual({ ab: T0 });
    expect(await h.store.takeDueTimers(CAMPAIGN_ID, T0 + 10 * DAY)).toEqual([{ element: "ab", contactPk: null, dueAt: T0 + 2 * DAY, kind: "axWinner" }]);
  });
});

describe("split.distribution", () => {
  const distribution = (maxes: number[], per?: string): CampaignElement => ({
    id: "dist", type: "split.distribution", params: { outputs: maxes.map((max) => ({ max })), ...(per ? { per } : {}) },
  });

  it("fills the outputs in order, each up to its maximum, and sends the others to rest", async () => {
    const h = await harness(distribution([2, 3]), contactsOf(ids(10)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ out1: 2, out2: 3, rest: 5 });
  });

  it("sends nobody to rest while an output has room", async () => {
    const h = await harness(distribution([2, 3]), contactsOf(ids(4)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ out1: 2, out2: 2 });
  });

  it("skips an output whose maximum is zero", async () => {
    const h = await harness(distribution([0, 2]), contactsOf(ids(3)));
    await h.run(T0);
    expect(tally(await h.handle(T0))).toEqual({ out2: 2, rest: 1 });
  });

  it("remembers how full the outputs are across batches of the same run", async () => {
    const people = ids(6);
    const h = await harness(distribution([2, 3]), contactsOf(people));
    const runId = await h.run(T0);
    const tokens = await h.tokens(T0);
    expect(tokens.every((t) => t.runId === runId)).toBe(true);
    expect(tally(await h.handle(T0, tokens.slice(0, 1)))).toEqual({ out1: 1 });
    expect(tally(await h.handle(T0, tokens.slice(1, 5)))).toEqual({ out1: 1, out2: 3 });
    expect(tally(await h.handle(T0, tokens.slice(5)))).toEqual({ rest: 1 });
  });

  it("starts again empty for each run by default", async () => {
    const h = await harness(distribution([1]), contactsOf(ids(4)));
    await h.run(T0, ids(4).slice(0, 2));
    expect(tally(await h.handle(T0))).toEqual({ out1: 1, rest: 1 });
    await h.run(T0 + DAY, ids(4).slice(2));
    expect(tally(await h.handle(T0 + DAY))).toEqual({ out1: 1, rest: 1 });
  });

  it("counts across every run with per campaign", async () => {
    const h = await harness(distribution([3], "campaign"), contactsOf(ids(4)));
    await h.run(T0, ids(4).slice(0, 2));
    expect(tally(await h.handle(T0))).toEqual({ out1: 2 });
    await h.run(T0 + DAY, ids(4).slice(2));
    expect(tally(await h.handle(T0 + DAY))).toEqual({ out1: 1, rest: 1 });
  });

  it("counts per local day with per day", async () => {
    const h = await harness(distribution([1], "day"), contactsOf(ids(6)));
    const morning = DateTime.fromISO("2026-06-15T08:00", { zone: ZONE }).toMillis();
    const lateEvening = DateTime.fromISO("2026-06-15T23:30", { zone: ZONE }).toMillis(); // already 16 June in UTC
    const nextMorning = DateTime.fromISO("2026-06-16T08:00", { zone: ZONE }).toMillis();
    await h.run(morning, ["c001", "c002"]);
    expect(tally(await h.handle(morning))).toEqual({ out1: 1, rest: 1 });
    await h.run(lateEvening, ["c003", "c004"]);
    expect(tally(await h.handle(lateEvening))).toEqual({ rest: 2 });
    await h.run(nextMorning, ["c005", "c006"]);
    expect(tally(await h.handle(nextMorning))).toEqual({ out1: 1, rest: 1 });
  });

  it("draws who fills each output at random, the same way for the same seed", async () => {
    const pick = async (seed: number) => {
      const h = await harness(distribution([3]), contactsOf(ids(12)), {}, seed);
      await h.run(T0);
      return exitsOf(await h.handle(T0), "out1");
    };
    const a = await pick(11);
    expect(a).toHaveLength(3);
    expect(await pick(11)).toEqual(a);
    const others = await Promise.all([12, 13, 14, 15].map(pick));
    expect(new Set([a, ...others].map((x) => x.join())).size).toBeGreaterThan(1);
  });

  it("counts contacts entering outside runs per instant", async () => {
    const h = await harness(distribution([1]), contactsOf(ids(4)));
    await h.enter(T0, ["c001", "c002"]);
    expect(tally(await h.handle(T0))).toEqual({ out1: 1, rest: 1 });
    await h.enter(T0 + MIN, ["c003", "c004"]);
    expect(tally(await h.handle(T0 + MIN))).toEqual({ out1: 1, rest: 1 });
  });
});

describe("condition.deduplicate", () => {
  const PROJECT: ProjectConfigInput = { fields: [{ key: "email", type: "email" }, { key: "mobile", type: "phone" }] };
  const dedupe = (by: "email" | "phone", keep: "newest" | "oldest"): CampaignElement => ({ id: "dd", type: "condition.deduplicate", params: { by, keep } });
  const PEOPLE: ContactInput[] = [
    { id: "a", createdAt: T0 - 3 * DAY, fields: { email: "Ann@Example.com", mobile: "514-555-0101" } },
    { id: "b", createdAt: T0 - 1 * DAY, fields: { email: "  ann@example.COM ", mobile: "+1 (514) 555-0101" } },
    { id: "c", createdAt: T0 - 2 * DAY, fields: { email: "ann@example.com", mobile: "438-555-0000" } },
    { id: "d", createdAt: T0 - 1 * DAY, fields: { email: "bob@example.com" } },
    { id: "e", createdAt: T0 - 1 * DAY, fields: { email: "   " } },
    { id: "f", createdAt: T0 - 1 * DAY, fields: {} },
  ];

  it("keeps the newest contact of each email address and lets contacts without one through", async () => {
    const h = await harness(dedupe("email", "newest"), PEOPLE, PROJECT);
    await h.run(T0);
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "false", b: "true", c: "false", d: "true", e: "true", f: "true" });
  });

  it("keeps the oldest contact of each email address with keep oldest", async () => {
    const h = await harness(dedupe("email", "oldest"), PEOPLE, PROJECT);
    await h.run(T0);
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "true", b: "false", c: "false", d: "true", e: "true", f: "true" });
  });

  it("compares phone numbers in E.164", async () => {
    const h = await harness(dedupe("phone", "oldest"), PEOPLE, PROJECT);
    await h.run(T0);
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "true", b: "false", c: "true", d: "true", e: "true", f: "true" });
  });

  it("keeps the first contact in id order when creation dates tie", async () => {
    const twins: ContactInput[] = [
      { id: "z", createdAt: T0, fields: { email: "same@x.io" } },
      { id: "m", createdAt: T0, fields: { email: "SAME@x.io" } },
    ];
    for (const keep of ["newest", "oldest"] as const) {
      const h = await harness(dedupe("email", keep), twins, PROJECT);
      await h.run(T0);
      expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ m: "true", z: "false" });
    }
  });

  it("compares only contacts of the same run", async () => {
    const h = await harness(dedupe("email", "newest"), PEOPLE, PROJECT);
    await h.run(T0, ["a"]);
    await h.run(T0, ["b", "c"]);
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "true", b: "true", c: "false" });
  });

  it("compares contacts entering outside runs at the same instant only", async () => {
    const h = await harness(dedupe("email", "newest"), PEOPLE, PROJECT);
    await h.enter(T0, ["a", "b"]);
    await h.enter(T0 + MIN, ["c"]);
    expect(Object.fromEntries(routes(await h.handle(T0 + MIN)))).toEqual({ a: "false", b: "true", c: "true" });
  });
});

describe("conditions on messages", () => {
  const PROJECT: ProjectConfigInput = { fields: [{ key: "email", type: "email" }], communicationTypes: [{ key: "news", channel: "email" }, { key: "promo", channel: "email" }] };
  const PEOPLE = contactsOf(["a", "b", "c", "d"]);
  const condition = (type: string, params: Record<string, unknown> = {}): CampaignElement => ({ id: "k", type, params });

  /** Each contact's journey at the condition, with messages from send elements s1 and s2. */
  async function setup(type: string, params: Record<string, unknown> = {}) {
    const h = await harness(condition(type, params), PEOPLE, PROJECT);
    const journeys = await h.enter(T0, ["a", "b", "c", "d"]);
    let hop = 0;
    const send = async (contact: string, element: string, opts: { status?: MessageInput["status"]; delivered?: boolean; comm?: string } = {}) => {
      const journey = journeys.get(contact)!;
      const message: MessageInput = {
        journey, contactPk: await h.pk(contact), contactId: contact, element, hop: ++hop, channel: "email",
        communicationType: opts.comm ?? "news", status: opts.status ?? "queued", createdAt: T0, payload: {},
      };
      await h.store.insertMessages(PROJECT_ID, CAMPAIGN_ID, [message]);
      const id = (await h.store.journeyMessages([journey])).at(-1)!.id;
      if ((opts.status ?? "queued") === "queued") await h.store.markSent([id], T0, opts.delivered ?? false);
      return id;
    };
    const decide = async () => Object.fromEntries(routes(await h.handle(T0 + DAY)));
    return { h, journeys, send, decide, event: (id: number, type: Parameters<typeof h.store.recordMessageEvent>[1], extra = {}) => h.store.recordMessageEvent(id, type, T0 + MIN, extra) };
  }

  it("messageDelivered holds when any sent message of the journey was delivered", async () => {
    const { send, decide } = await setup("condition.messageDelivered");
    await send("a", "s1", { delivered: true });
    await send("b", "s1");
    await send("c", "s1", { status: "skipped" });
    expect(await decide()).toEqual({ a: "true", b: "false", c: "false", d: "false" });
  });

  it("messageDelivered with a message looks only at that send's latest message", async () => {
    const { send, decide } = await setup("condition.messageDelivered", { message: "s2" });
    await send("a", "s1", { delivered: true });
    await send("b", "s2", { delivered: true });
    await send("c", "s2", { delivered: true });
    await send("c", "s2"); // sent again on a loop, not delivered yet
    expect(await decide()).toEqual({ a: "false", b: "true", c: "false", d: "false" });
  });

  it("messageOpened counts a click as an open", async () => {
    const { send, decide, event } = await setup("condition.messageOpened");
    await event(await send("a", "s1"), "opened");
    await event(await send("b", "s1"), "clicked", { url: "https://x.io" });
    await send("c", "s1", { delivered: true });
    expect(await decide()).toEqual({ a: "true", b: "true", c: "false", d: "false" });
  });

  it("messageClicked holds for a click on one of the given links (wildcards allowed)", async () => {
    const { send, decide, event } = await setup("condition.messageClicked", { links: ["https://shop.io/sale*"] });
    await event(await send("a", "s1"), "clicked", { url: "https://shop.io/sale/shoes" });
    await event(await send("b", "s1"), "clicked", { url: "https://shop.io/about" });
    await event(await send("c", "s1"), "opened");
    expect(await decide()).toEqual({ a: "true", b: "false", c: "false", d: "false" });
  });

  it("messageClicked without links holds for any click", async () => {
    const { send, decide, event } = await setup("condition.messageClicked");
    await event(await send("b", "s1"), "clicked", { url: "https://shop.io/about" });
    expect(await decide()).toEqual({ a: "false", b: "true", c: "false", d: "false" });
  });

  it("unsubscribedFromCampaign holds for an unsubscribe from one of the given communication types", async () => {
    const { send, decide, event } = await setup("condition.unsubscribedFromCampaign", { communicationTypes: ["promo"] });
    await event(await send("a", "s1", { comm: "promo" }), "unsubscribed");
    await event(await send("b", "s1", { comm: "news" }), "unsubscribed", { communicationType: "promo" });
    await event(await send("c", "s1", { comm: "promo" }), "unsubscribed", { communicationType: "news" });
    expect(await decide()).toEqual({ a: "true", b: "true", c: "false", d: "false" });
  });

  it("complaint holds for a spam complaint on a message of the journey", async () => {
    const { send, decide, event } = await setup("condition.complaint");
    await event(await send("a", "s1"), "complained");
    await event(await send("b", "s1"), "opened");
    expect(await decide()).toEqual({ a: "true", b: "false", c: "false", d: "false" });
  });

  it("looks only at the messages of the current journey", async () => {
    const { h, send, decide, event } = await setup("condition.messageOpened");
    const old = await send("a", "s1");
    await event(old, "opened");
    // Contact a ends that journey and enters again: the open belonged to the first journey.
    expect((await decide()).a).toBe("true");
    await h.enter(T0 + MIN, ["a"]);
    expect((await decide()).a).toBe("false");
  });
});

describe("condition.recencyFrequency", () => {
  const rf = (params: Record<string, unknown>): CampaignElement => ({ id: "rf", type: "condition.recencyFrequency", params });

  it("counts interactions with any email of the project inside the window", async () => {
    const h = await harness(rf({ interaction: "opened", within: { amount: 7, unit: "days" }, atLeast: 2 }), contactsOf(["a", "b", "c"]));
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => h.pk(id)));
    await h.store.addInteraction(PROJECT_ID, a, "opened", T0 - DAY, 1);
    await h.store.addInteraction(PROJECT_ID, a, "opened", T0 - 2 * DAY, 2);
    await h.store.addInteraction(PROJECT_ID, b, "opened", T0 - DAY, 3);
    await h.store.addInteraction(PROJECT_ID, b, "opened", T0 - 8 * DAY, 4);
    await h.store.addInteraction(PROJECT_ID, c, "clicked", T0 - DAY, 5);
    await h.store.addInteraction(PROJECT_ID, c, "clicked", T0 - DAY, 6);
    await h.run(T0);
    // A click implies an open: c's clicks on two unopened messages count as two opens.
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "true", b: "false", c: "true" });
  });

  it("counts an open and a click on the same message as one open", async () => {
    const h = await harness(rf({ interaction: "opened", within: { amount: 1, unit: "days" }, atLeast: 2 }), contactsOf(["a"]));
    const a = await h.pk("a");
    await h.store.addInteraction(PROJECT_ID, a, "opened", T0 - MIN, 1);
    await h.store.addInteraction(PROJECT_ID, a, "clicked", T0 - MIN, 1);
    await h.run(T0);
    expect(routes(await h.handle(T0)).get("a")).toBe("false");
  });

  it("looks back whole local days across a DST change", async () => {
    // One calendar day before 12:00 EDT on 14 March 2027 is 12:00 EST on 13 March, 23 hours earlier.
    const now = DateTime.fromISO("2027-03-14T12:00", { zone: ZONE }).toMillis();
    const h = await harness(rf({ interaction: "openedOrClicked", within: { amount: 1, unit: "days" } }), contactsOf(["a", "b"]));
    await h.store.addInteraction(PROJECT_ID, await h.pk("a"), "opened", DateTime.fromISO("2027-03-13T12:30", { zone: ZONE }).toMillis(), 1);
    await h.store.addInteraction(PROJECT_ID, await h.pk("b"), "opened", DateTime.fromISO("2027-03-13T11:30", { zone: ZONE }).toMillis(), 2);
    await h.run(now);
    expect(Object.fromEntries(routes(await h.handle(now)))).toEqual({ a: "true", b: "false" });
  });
});

describe("profile conditions", () => {
  it("condition.profile evaluates a table rule on the contacts' rows", async () => {
    const project: ProjectConfigInput = { tables: [{ key: "orders", columns: [{ key: "total", type: "number" }] }] };
    const rule = { table: "orders", quantifier: "any", where: { field: "total", operator: "greaterOrEqual", value: 100 } };
    const h = await harness({ id: "k", type: "condition.profile", params: rule }, [
      { id: "a", tables: { orders: [{ total: "150" }] } },
      { id: "b", tables: { orders: [{ total: 99 }] } },
      { id: "c" },
    ], project);
    await h.run(T0);
    expect(Object.fromEntries(routes(await h.handle(T0)))).toEqual({ a: "true", b: "false", c: "false" });
  });
});
