import { performance } from "node:perf_hooks";
import { CampaignDocument, validateCampaign } from "../src/model/index.js";
import { B1_PROJECT } from "./b1-campaign.js";
import type { BenchOptions } from "./run.js";

/**
 * A campaign of about `size` elements: a trigger, then steps of (profile condition → email → 2-day
 * delay → "message opened" on that email), each false exit ending in an abandon, a note every
 * tenth step, and a success at the end. Positions laid out as the editor would.
 */
export function largeCampaign(size: number, keys: { communicationType: string; field: string; value: (step: number) => unknown; operator?: string } = { communicationType: "newsletter", field: "score", value: (s) => 50 + (s % 50), operator: "lessThan" }): CampaignDocument {
  const elements: { id: string; type: string; params: Record<string, unknown>; position?: { x: number; y: number } }[] = [
    { id: "t", type: "trigger.contactCreated", params: {}, position: { x: 0, y: 0 } },
  ];
  const connections: { from: string; exit: string; to: string }[] = [];
  let prev = { id: "t", exit: "next" };
  let step = 0;
  while (elements.length + 6 <= size) {
    const s = step++;
    const y = (s + 1) * 400;
    const ids = { k: `k${s}`, a: `a${s}`, d: `d${s}`, o: `o${s}`, x: `x${s}` };
    elements.push(
      { id: ids.k, type: "condition.profile", params: { field: keys.field, operator: keys.operator ?? "lessThan", value: keys.value(s) }, position: { x: 0, y } },
      { id: ids.a, type: "action.sendEmail", params: { communicationType: keys.communicationType, message: { subject: `Étape ${s} {{ contact.firstName }}`, html: "<p>Offre</p>" } }, position: { x: 0, y: y + 100 } },
      { id: ids.d, type: "delay.period", params: { amount: 2, unit: "days" }, position: { x: 0, y: y + 200 } },
      { id: ids.o, type: "condition.messageOpened", params: { message: ids.a }, position: { x: 0, y: y + 300 } },
      { id: ids.x, type: "end.abandon", params: {}, position: { x: 300, y } },
    );
    connections.push(
      { from: prev.id, exit: prev.exit, to: ids.k }, { from: ids.k, exit: "true", to: ids.a }, { from: ids.k, exit: "false", to: ids.x },
      { from: ids.a, exit: "next", to: ids.d }, { from: ids.d, exit: "next", to: ids.o }, { from: ids.o, exit: "false", to: ids.x },
    );
    if (s % 10 === 0) elements.push({ id: `n${s}`, type: "note", params: { text: `Étape ${s}` }, position: { x: 600, y } });
    prev = { id: ids.o, exit: "true" };
  }
  elements.push({ id: "ok", type: "end.success", params: {}, position: { x: 0, y: (step + 1) * 400 } });
  connections.push({ from: prev.id, exit: prev.exit, to: "ok" });
  return CampaignDocument.parse({ id: "large", name: "Large", elements, connections });
}

/** validate: how long the shared validator takes on a ~500-element campaign (the editor runs it on every change). */
export async function validateBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const doc = largeCampaign(opts.contacts);
  const findings = validateCampaign(doc, B1_PROJECT, { lang: "fr" });
  const errors = findings.filter((f) => f.code.startsWith("E_"));
  if (errors.length) throw new Error(`the generated campaign is invalid: ${JSON.stringify(errors.slice(0, 3))}`);
  for (let i = 0; i < 20; i++) validateCampaign(doc, B1_PROJECT, { lang: "fr" }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    validateCampaign(doc, B1_PROJECT, { lang: "fr" });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    workload: "validate", elements: doc.elements.length, connections: doc.connections.length, runs: times.length,
    medianMs: ms(times[Math.floor(times.length / 2)]), p95Ms: ms(times[Math.floor(times.length * 0.95)]), maxMs: ms(times[times.length - 1]),
  };
}
