import { z } from "zod";
import { SlugKey } from "../../contacts/config-keys.js";
import { addCodes, bankStocks, deleteFreeCodes, type BankStock } from "../../contacts/config-promo.js";
import type { PromoBankDef } from "../../model/index.js";
import { badRequest } from "../errors.js";
import { Ok, ProjectParams } from "../schemas.js";
import { ADMIN, changeConfig, configOf, KeyParams, mustFind, refuseDuplicate, TAGS } from "./config-shared.js";
import { routes } from "./route-plugin.js";

/** Most codes one call adds, and the longest code. */
export const MAX_CODES_PER_CALL = 100_000;
const MAX_CODE_LENGTH = 100;
/** Duplicates listed in the answer (they are all counted). */
const DUPLICATES_SHOWN = 100;

const IsoDateTime = z.iso.datetime({ offset: true, message: "an ISO 8601 date-time with its offset, like 2027-01-31T23:59:59-05:00" });
const Threshold = z.number().int().min(0).max(1_000_000_000);

const BankOut = z.object({
  key: z.string(),
  stock: z.number().int().describe("codes not yet granted"),
  granted: z.number().int(),
  expiresAt: z.string().nullable().describe("ISO date-time (UTC) after which no code is granted"),
  expired: z.boolean(),
  lowStockThreshold: z.number().int().nullable(),
  lowStock: z.boolean().describe("stock at or below lowStockThreshold"),
});

function bankOut(bank: PromoBankDef, counts: BankStock | undefined, now: number): z.infer<typeof BankOut> {
  const stock = counts?.stock ?? 0;
  const threshold = bank.lowStockThreshold ?? null;
  return {
    key: bank.key, stock, granted: counts?.granted ?? 0,
    expiresAt: bank.expiresAt === undefined ? null : new Date(bank.expiresAt).toISOString(),
    expired: bank.expiresAt !== undefined && bank.expiresAt <= now,
    lowStockThreshold: threshold, lowStock: threshold !== null && stock <= threshold,
  };
}

/** Promo code banks: the codes live in the store (`promo_codes`), one row each; the configuration holds the bank's settings. */
export default routes(async (app) => {
  const { db, clock } = app.relais;
  const view = async (projectId: string, bank: PromoBankDef) => bankOut(bank, (await bankStocks(db, projectId)).get(bank.key), clock.now());

  app.get("/projects/:projectId/promo-banks", {
    schema: {
      tags: TAGS, summary: "The project's promo code banks, with their stock", params: ProjectParams,
      response: { 200: z.object({ promoBanks: z.array(BankOut) }) },
    },
  }, async (request) => {
    const { projectId } = request.params;
    const config = await configOf(app, projectId);
    const stocks = await bankStocks(db, projectId);
    return { promoBanks: config.promoBanks.map((b) => bankOut(b, stocks.get(b.key), clock.now())) };
  });

  app.post("/projects/:projectId/promo-banks", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Add a promo code bank (then its codes: POST /promo-banks/:key/codes)", params: ProjectParams,
      body: z.strictObject({ key: SlugKey, expiresAt: IsoDateTime.optional(), lowStockThreshold: Threshold.optional() }),
      response: { 201: BankOut },
    },
  }, async (request, reply) => {
    const { projectId } = request.params;
    const { key, expiresAt, lowStockThreshold } = request.body;
    const bank: PromoBankDef = {
      key, codes: [],
      ...(expiresAt !== undefined ? { expiresAt: Date.parse(expiresAt) } : {}),
      ...(lowStockThreshold !== undefined ? { lowStockThreshold } : {}),
    };
    await changeConfig(app, projectId, `add promo bank ${key}`, (c) => {
      refuseDuplicate(c.promoBanks, key, "promo bank");
      return { ...c, promoBanks: [...c.promoBanks, bank] };
    });
    reply.code(201);
    return view(projectId, bank);
  });

  app.patch("/projects/:projectId/promo-banks/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Change a bank's expiry or low-stock threshold (null removes it)", params: KeyParams,
      body: z.strictObject({ expiresAt: IsoDateTime.nullable().optional(), lowStockThreshold: Threshold.nullable().optional() }),
      response: { 200: BankOut },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const { expiresAt, lowStockThreshold } = request.body;
    const next = await changeConfig(app, projectId, `change promo bank ${key}`, (c) => {
      mustFind(c.promoBanks, key, "promo bank");
      return {
        ...c,
        promoBanks: c.promoBanks.map((b) => {
          if (b.key !== key) return b;
          const out = { ...b };
          if (expiresAt === null) delete out.expiresAt;
          else if (expiresAt !== undefined) out.expiresAt = Date.parse(expiresAt);
          if (lowStockThreshold === null) delete out.lowStockThreshold;
          else if (lowStockThreshold !== undefined) out.lowStockThreshold = lowStockThreshold;
          return out;
        }),
      };
    });
    return view(projectId, mustFind(next.promoBanks, key, "promo bank"));
  });

  app.post("/projects/:projectId/promo-banks/:key/codes", {
    config: ADMIN,
    // 100,000 codes of up to 100 characters do not fit the default 1 MiB.
    bodyLimit: 16 * 1024 * 1024,
    schema: {
      tags: TAGS, summary: `Add codes to a bank (at most ${MAX_CODES_PER_CALL.toLocaleString("en")} per call)`,
      description: "Codes are trimmed. An empty code refuses the whole call (400, nothing added). Codes already in the bank, or repeated in the call, are skipped and reported.",
      params: KeyParams,
      body: z.strictObject({ codes: z.array(z.string().max(MAX_CODE_LENGTH, `a code has at most ${MAX_CODE_LENGTH} characters`)).min(1).max(MAX_CODES_PER_CALL, `at most ${MAX_CODES_PER_CALL} codes per call`) }),
      response: {
        200: z.object({
          added: z.number().int(), duplicates: z.number().int(),
          duplicateCodes: z.array(z.string()).describe(`the first ${DUPLICATES_SHOWN} skipped codes`),
          bank: BankOut,
        }),
      },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    const codes = request.body.codes.map((c) => c.trim());
    const empty = codes.flatMap((c, i) => (c === "" ? [i] : []));
    if (empty.length > 0) {
      throw badRequest(`${empty.length} empty code${empty.length > 1 ? "s" : ""} (at ${empty.slice(0, 10).join(", ")}${empty.length > 10 ? ", …" : ""}): nothing was added`,
        empty.slice(0, 100).map((i) => ({ path: `body.codes.${i}`, message: "empty code" })));
    }
    const { store } = app.relais;
    const result = await store.transaction(async () => {
      const bank = mustFind((await configOf(app, projectId)).promoBanks, key, "promo bank");
      return { bank, ...(await addCodes(store, db, projectId, key, codes)) };
    });
    return {
      added: result.added, duplicates: result.duplicates.length, duplicateCodes: result.duplicates.slice(0, DUPLICATES_SHOWN),
      bank: await view(projectId, result.bank),
    };
  });

  app.delete("/projects/:projectId/promo-banks/:key", {
    config: ADMIN,
    schema: {
      tags: TAGS, summary: "Delete a bank and its free codes (granted ones stay on record; refused while a live campaign uses it)",
      params: KeyParams, response: { 200: Ok },
    },
  }, async (request) => {
    const { projectId, key } = request.params;
    await changeConfig(app, projectId, `delete promo bank ${key}`, (c) => {
      mustFind(c.promoBanks, key, "promo bank");
      return { ...c, promoBanks: c.promoBanks.filter((b) => b.key !== key) };
    }, () => deleteFreeCodes(db, projectId, key));
    return { ok: true as const };
  });
});
