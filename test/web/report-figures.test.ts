import { describe, expect, it } from "vitest";
import { fieldId, formFields, parseJsonField } from "../../web/src/forms.js";
import { axResults, downstreamOfExit, funnelSteps, outcomeRows, pct } from "../../web/src/report/figures.js";
import { recipientOf, summaryOf, viewerHtml, type OutboxMessage } from "../../web/src/report/message.js";

const send = (over: Partial<{ channel: string; reached: number; sent: number; delivered: number; opened: number; clicked: number }> = {}) =>
  ({ channel: "email", reached: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, ...over });

describe("a send element's funnel", () => {
  it("goes sent → delivered → opened → clicked with each step's rate (opens and clicks over delivered)", () => {
    const steps = funnelSteps(send({ reached: 12, sent: 10, delivered: 8, opened: 4, clicked: 1 }));
    expect(steps.map((s) => [s.key, s.count, s.rate])).toEqual([["sent", 10, null], ["delivered", 8, 0.8], ["opened", 4, 0.5], ["clicked", 1, 0.125]]);
    expect(steps.map((s) => s.width)).toEqual([1, 0.8, 0.4, 0.1]);
    expect(steps[3].ofSent).toBe(0.1);
  });

  it("has no rates and empty bars when nothing was sent, and stops at delivered for SMS", () => {
    const empty = funnelSteps(send());
    expect(empty.every((s) => s.width === 0 && s.ofSent === null)).toBe(true);
    expect(empty.slice(1).every((s) => s.rate === null)).toBe(true);
    expect(funnelSteps(send({ channel: "sms", sent: 3, delivered: 3 })).map((s) => s.key)).toEqual(["sent", "delivered"]);
  });

  it("writes rates the French or the English way", () => {
    expect(pct(0.125, "fr")).toBe("12,5 %");
    expect(pct(0.125, "en")).toBe("12.5%");
    expect(pct(null)).toBe("—");
    expect(pct(1, "fr")).toBe("100 %");
  });
});

describe("outcomes", () => {
  it("lists success first and keeps the empty ones", () => {
    const rows = outcomeRows({ neutral: { count: 1, rate: 0.25 }, success: { count: 3, rate: 0.75 }, failure: { count: 0, rate: 0 }, inProgress: { count: 0, rate: 0 } });
    expect(rows.map((r) => r.key)).toEqual(["success", "failure", "neutral", "inProgress"]);
    expect(rows[0]).toEqual({ key: "success", count: 3, rate: 0.75 });
  });
});

describe("an A/X test's results per variant", () => {
  // x1 splits into A (email a1) and B (email b1); both meet again at the success end e1.
  const doc = {
    elements: [
      { id: "t1", type: "trigger.manual", params: {} },
      { id: "x1", type: "split.axTest", params: { variants: [{ key: "A", percent: 25 }, { key: "B", percent: 25 }], winner: { mode: "auto", metric: "clicks", after: { amount: 1, unit: "days" } } } },
      { id: "a1", type: "action.sendEmail", params: {} },
      { id: "b1", type: "action.sendEmail", params: {} },
      { id: "e1", type: "end.success", params: {} },
    ],
    connections: [
      { from: "t1", exit: "next", to: "x1" }, { from: "x1", exit: "A", to: "a1" }, { from: "x1", exit: "B", to: "b1" },
      { from: "a1", exit: "next", to: "e1" }, { from: "b1", exit: "next", to: "e1" },
    ],
  };
  const report = {
    elements: { x1: { entered: 8, waiting: 4, exits: { A: 2, B: 2 } }, e1: { entered: 4, waiting: 0, exits: {} } },
    sends: { a1: send({ reached: 2, sent: 2, delivered: 2, opened: 2, clicked: 0 }), b1: send({ reached: 2, sent: 2, delivered: 2, opened: 1, clicked: 1 }) },
  };

  it("counts each variant's own sends, rates over sent and the test's metric over contacts routed", () => {
    const r = axResults(doc, "x1", report)!;
    expect(r).toMatchObject({ mode: "auto", metric: "clicks", waiting: 4, leader: "B" });
    expect(r.variants.map((v) => [v.key, v.contacts, v.sends, v.sent, v.opened, v.clicked, v.openRate, v.clickRate, v.metric])).toEqual([
      ["A", 2, ["a1"], 2, 2, 0, 1, 0, 0],
      ["B", 2, ["b1"], 2, 1, 1, 0.5, 0.5, 0.5],
    ]);
    // Where the branches meet again belongs to neither variant.
    expect(downstreamOfExit(doc, "x1", "A")).toEqual(new Set(["a1", "e1"]));
    expect(r.variants[0].successes).toBe(0);
  });

  it("uses opens in manual mode, and has no leader before anyone is routed", () => {
    const manual = { ...doc, elements: doc.elements.map((e) => (e.id === "x1" ? { ...e, params: { ...e.params, winner: { mode: "manual" } } } : e)) };
    const r = axResults(manual, "x1", report)!;
    expect(r.metric).toBe("opens");
    expect(r.leader).toBe("A");
    const none = axResults(manual, "x1", { elements: {}, sends: {} })!;
    expect(none.leader).toBeNull();
    expect(none.variants.every((v) => v.metric === null && v.contacts === 0)).toBe(true);
    expect(axResults(doc, "a1", report)).toBeNull();
  });
});

describe("rendered messages", () => {
  const m = (payload: Record<string, unknown>, over: Partial<OutboxMessage> = {}): OutboxMessage => ({
    id: 1, campaign: "c1", element: "a1", contact: "ann@example.com", channel: "email", status: "sent", reason: null,
    createdAt: 0, sentAt: 0, openedAt: null, clickedAt: null, payload, ...over,
  });

  it("shows an email without its open pixel, its links unable to leave the sandbox", () => {
    const html = '<html><head><title>x</title></head><body><p>Hi</p><img src="https://r.example/t/o/abc.gif" width="1" height="1" alt=""><img src="https://cdn.example/logo.png"></body></html>';
    const out = viewerHtml(html);
    expect(out).not.toContain("/t/o/");
    expect(out).toContain("logo.png");
    expect(out).toContain('<head><base target="_blank"><title>');
    expect(viewerHtml("<p>no head</p>")).toBe('<base target="_blank"><p>no head</p>');
  });

  it("summarizes a message: subject, title or text, shortened", () => {
    expect(summaryOf(m({ subject: "Bienvenue Ann !" }))).toBe("Bienvenue Ann !");
    expect(summaryOf(m({ text: "Votre code :\n  1234" }, { channel: "sms" }))).toBe("Votre code : 1234");
    expect(summaryOf(m({ text: "x".repeat(200) }), 10)).toBe(`${"x".repeat(9)}…`);
    expect(summaryOf(m({}, { status: "skipped", reason: "unsubscribed" }))).toBe("(unsubscribed)");
    expect(recipientOf(m({ to: "+15145550000" }))).toBe("+15145550000");
    expect(recipientOf(m({}))).toBe("ann@example.com");
  });
});

describe("the properties panel's raw JSON and labels", () => {
  it("edits A/X variants as a JSON list and says what is wrong", () => {
    const variants = formFields("split.axTest").find((f) => f.key === "variants")!;
    expect(variants).toMatchObject({ kind: "json", shape: "array" });
    expect(parseJsonField('[{ "key": "A", "percent": 50 }]', "array")).toEqual({ ok: true, value: [{ key: "A", percent: 50 }] });
    const bad = parseJsonField('[{ "key": "A", }]', "array");
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/JSON|token|position/i);
    expect(parseJsonField('{ "key": "A" }', "array")).toMatchObject({ ok: false, notArray: true });
    expect(parseJsonField("  ", "array")).toEqual({ ok: true, value: undefined });
  });

  it("gives every generated input a distinct id for its label", () => {
    const walk = (fs: ReturnType<typeof formFields>): string[] => fs.flatMap((f) => (f.kind === "object" ? walk(f.fields!) : [fieldId(f)]));
    const ids = walk(formFields("action.sendEmail"));
    expect(ids).toContain("f-message-subject");
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^f-[A-Za-z0-9_-]+$/);
  });
});
