import type { AddressInfo } from "node:net";
import smpp, { type Pdu, type Session } from "smpp";
import { afterEach, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { ChannelRouter } from "../../src/channels/router.js";
import { attachSmsInbound, stopKeyword } from "../../src/channels/sms/inbound.js";
import { afterQuietHours } from "../../src/channels/sms/quiet-hours.js";
import { SmppTransport, smppSettingsFromEnv } from "../../src/channels/sms/smpp-transport.js";
import { VirtualClock } from "../../src/engine/clock.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument, ProjectConfig } from "../../src/model/index.js";
import { DirectoryDb } from "../../src/store/directory/directory-db.js";
import type { Store } from "../../src/store/store.js";
import { SERVER_STORES } from "../server/helper.js";

const T0 = Date.parse("2026-12-01T15:00:00Z");
const P = "shop";
const links = new LinkSigner(Buffer.alloc(32, 9), "https://relais.shop.example");

const config = ProjectConfig.parse({
  fields: [{ key: "id", type: "text", category: "uniqueKey" }, { key: "phone", type: "phone" }, { key: "firstName", type: "text" }],
  communicationTypes: [{ key: "alerts", channel: "sms" }],
});

const campaign = CampaignDocument.parse({
  id: "promo", name: "promo",
  elements: [
    { id: "t1", type: "trigger.contactCreated", params: {} },
    { id: "a1", type: "action.sendSms", params: { communicationType: "alerts", message: { text: "Bonjour {{ contact.firstName }}, -20 % ce soir" } } },
    { id: "e1", type: "end.success", params: {} },
  ],
  connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
});

interface Submitted { to: string; from: string; text: string; registeredDelivery: number; smscId: string; session: Session }

/** A real SMPP server acting as the SMSC: checks the bind, answers submit_sm with ids (or `refuse` statuses). */
async function smsc(refuse: (to: string) => number = () => 0) {
  const submitted: Submitted[] = [];
  const binds: { systemId: string; password: string }[] = [];
  let n = 0;
  const server = smpp.createServer((session) => {
    session.on("error", () => undefined);
    session.on("bind_transceiver", (pdu: Pdu) => {
      binds.push({ systemId: String(pdu.system_id), password: String(pdu.password) });
      session.send(pdu.response(pdu.password === "s3cret" ? {} : { command_status: 0x0e }));
    });
    session.on("enquire_link", (pdu: Pdu) => session.send(pdu.response()));
    session.on("submit_sm", (pdu: Pdu) => {
      const status = refuse(String(pdu.destination_addr));
      if (status) return void session.send(pdu.response({ command_status: status }));
      const smscId = `smsc-${++n}`;
      const raw = (pdu.message_payload ?? pdu.short_message) as { message: string } | string;
      submitted.push({
        to: String(pdu.destination_addr), from: String(pdu.source_addr), text: typeof raw === "string" ? raw : raw.message,
        registeredDelivery: Number(pdu.registered_delivery), smscId, session,
      });
      session.send(pdu.response({ message_id: smscId }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  /** Sends an SMS from a phone to Relais (a deliver_sm that is not a receipt). */
  const inbound = (session: Session, from: string, text: string) => new Promise<void>((resolve) => {
    session.deliver_sm({ source_addr: from, destination_addr: "Boutique", short_message: text }, () => resolve());
  });
  /** Sends a delivery receipt (SMPP 3.4 appendix B text) for a submitted message. */
  const receipt = (s: Submitted, stat: string) => new Promise<void>((resolve) => {
    s.session.deliver_sm({
      source_addr: s.to, destination_addr: s.from, esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
      short_message: `id:${s.smscId} sub:001 dlvd:001 submit date:2612011500 done date:2612011501 stat:${stat} err:000 text:`,
    }, () => resolve());
  });
  return { submitted, binds, port, receipt, inbound, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(check: () => Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const { name, make } of SERVER_STORES) {
  describe(`SMS over SMPP (${name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const closers: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await store?.close();
      await cleanup?.();
    });

    async function setUp(port: number, password = "s3cret") {
      ({ store, cleanup } = make());
      await store.migrate();
      await store.putProject(P, config);
      const clock = new VirtualClock(T0);
      const settings = smppSettingsFromEnv({ SMS_SMPP_URL: `smpp://relais:${password}@127.0.0.1:${port}`, SMS_FROM: "Boutique" })!;
      const lines: string[] = [];
      const sms = new SmppTransport({ ...settings, timeoutMs: 2000 }, new DirectoryDb(store), () => clock.now(), (l) => lines.push(l));
      closers.push(() => sms.close());
      const router = new ChannelRouter().register("sms", sms);
      const engine = new Engine({ store, clock, transport: router, links });
      const db = new DirectoryDb(store);
      attachSmsInbound(router, { engine, db, now: () => clock.now() });
      await engine.saveCampaign(P, campaign, 1);
      await engine.activate("promo");
      const create = async (people: [string, string, string][]) => {
        for (const [id, phone, firstName] of people) {
          await engine.contactEvent(P, { type: "contact.created", contact: { id, fields: { id, phone, firstName }, subscriptions: { alerts: true } } });
        }
        await engine.tick();
      };
      const byContact = async () => new Map((await store.campaignMessages("promo")).map((m) => [m.contactId, m]));
      return { create, byContact, lines, db };
    }

    it("binds as a transceiver, submits with a receipt request, and maps receipts to delivered and bounced", async () => {
      const c = await smsc();
      closers.push(c.close);
      const { create, byContact } = await setUp(c.port);
      await create([["ann", "+1 514 555 0101", "Ann"], ["bob", "+15145550102", "Bob"]]);

      expect(c.binds).toEqual([{ systemId: "relais", password: "s3cret" }]);
      expect(c.submitted.map((s) => [s.to, s.from, s.text, s.registeredDelivery]).sort()).toEqual([
        ["15145550101", "Boutique", "Bonjour Ann, -20 % ce soir", 1],
        ["15145550102", "Boutique", "Bonjour Bob, -20 % ce soir", 1],
      ]);
      let m = await byContact();
      expect(m.get("ann")!.status).toBe("sent");
      expect(m.get("ann")!.deliveredAt).toBeNull();

      const ann = c.submitted.find((s) => s.to === "15145550101")!;
      const bob = c.submitted.find((s) => s.to === "15145550102")!;
      await c.receipt(ann, "DELIVRD");
      await c.receipt(bob, "UNDELIV");
      await until(async () => {
        m = await byContact();
        return m.get("ann")!.deliveredAt !== null && m.get("bob")!.bouncedAt !== null;
      });
      expect(m.get("ann")!.bouncedAt).toBeNull();
      expect(m.get("bob")!.deliveredAt).toBeNull();
      expect(m.get("bob")!.bounceHard).toBe(true);
    });

    it("fails a message the SMSC refuses as an invalid destination for good, without resending the others", async () => {
      const c = await smsc((to) => (to === "15145550199" ? 0x0b : 0));
      closers.push(c.close);
      const { create, byContact } = await setUp(c.port);
      await create([["ann", "+15145550101", "Ann"], ["zed", "+15145550199", "Zed"]]);
      const m = await byContact();
      expect(m.get("ann")!.status).toBe("sent");
      expect(m.get("zed")!.status).toBe("failed");
      expect(m.get("zed")!.reason).toContain("0x000b");
      expect(c.submitted.map((s) => s.to)).toEqual(["15145550101"]);
    });

    it("normalizes phones to E.164 in the project's country and skips a number that cannot be texted, saying why", async () => {
      const c = await smsc();
      closers.push(c.close);
      const { create, byContact } = await setUp(c.port);
      await create([["ann", "(514) 555-0101", "Ann"], ["fr", "0033 6 12 34 56 78", "Léa"], ["bad", "12", "Bad"], ["none", "", "None"]]);
      expect(c.submitted.map((x) => x.to).sort()).toEqual(["15145550101", "33612345678"]);
      const m = await byContact();
      expect(m.get("bad")).toMatchObject({ status: "skipped", reason: "noAddress", payload: { error: '"12" is not a valid phone number (read in CA when national)' } });
      expect(m.get("none")).toMatchObject({ status: "skipped", reason: "noAddress", payload: { error: "no phone number" } });
    });

    it("reports a refused bind as the send error, and sends nothing", async () => {
      const c = await smsc();
      closers.push(c.close);
      const { create, byContact } = await setUp(c.port, "wrong");
      await create([["ann", "+15145550101", "Ann"]]);
      const ann = (await byContact()).get("ann")!;
      expect(ann.status).not.toBe("sent");
      expect(c.submitted).toEqual([]);
    });

    it("unsubscribes every contact with the sender's number on ARRÊT, logs it as sms-stop and confirms in French", async () => {
      const c = await smsc();
      closers.push(c.close);
      const { create, db } = await setUp(c.port);
      // Bound at start, before any send: receipts and STOPs are received from the first minute.
      await until(async () => c.binds.length === 1);
      await create([["ann", "+1 (514) 555-0101", "Ann"], ["ann2", "514 555 0101", "Ann"], ["bob", "+15145550102", "Bob"]]);
      const session = c.submitted[0].session;
      await c.inbound(session, "15145550101", "  arrêt ");
      await until(async () => c.submitted.length === 4);
      const contacts = new Map((await db.all(db.q.selectFrom("contacts").select(["id", "subscriptions"]))).map((r) => [r.id, JSON.parse(r.subscriptions)]));
      expect(contacts.get("ann")).toEqual({ alerts: false });
      expect(contacts.get("ann2")).toEqual({ alerts: false });
      expect(contacts.get("bob")).toEqual({ alerts: true });
      const log = await db.all(db.q.selectFrom("subscription_log").select(["comm_type", "subscribed", "source"]).where("source", "=", "sms-stop"));
      expect(log).toHaveLength(2);
      expect(c.submitted[3]).toMatchObject({ to: "15145550101", text: "Vous ne recevrez plus de SMS de notre part.", registeredDelivery: 0 });

      // Any other text is no opt-out: nothing changes, no reply.
      await c.inbound(session, "15145550102", "stop please?");
      await c.inbound(session, "15145550102", "Merci!");
      await new Promise((r) => setTimeout(r, 200));
      expect(c.submitted).toHaveLength(4);
    });
  });
}

describe("opt-out keywords", () => {
  it("accepts STOP, ARRET, ARRÊT, UNSUBSCRIBE, DESABONNER in any case, with accents and spaces", () => {
    expect(["STOP", " stop ", "Arret", "ARRÊT", "arrêt!", "unsubscribe", "Désabonner", "DESABONNER"].map(stopKeyword)).toEqual(["both", "both", "fr", "fr", "fr", "en", "fr", "fr"]);
    expect(["stop please", "STOPP", "", "oui"].map(stopKeyword)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe("quiet hours", () => {
  const zone = "America/Toronto";
  it("holds a time inside 21:00–09:00 local until 09:00, across midnight and DST, and lets others through", () => {
    const at = (iso: string) => Date.parse(iso);
    expect(afterQuietHours(at("2026-12-01T15:00:00Z"), zone)).toBe(at("2026-12-01T15:00:00Z")); // 10:00 local
    expect(afterQuietHours(at("2026-12-02T02:30:00Z"), zone)).toBe(at("2026-12-02T14:00:00Z")); // 21:30 → 09:00 next day
    expect(afterQuietHours(at("2026-12-02T06:00:00Z"), zone)).toBe(at("2026-12-02T14:00:00Z")); // 01:00 → 09:00 same day
    expect(afterQuietHours(at("2026-03-08T05:00:00Z"), zone)).toBe(at("2026-03-08T13:00:00Z")); // the DST night: 09:00 EDT
    expect(afterQuietHours(at("2026-12-02T02:30:00Z"), zone, null)).toBe(at("2026-12-02T02:30:00Z"));
    expect(afterQuietHours(at("2026-12-01T17:30:00Z"), zone, { start: "12:00", end: "13:00" })).toBe(at("2026-12-01T18:00:00Z"));
  });
});
