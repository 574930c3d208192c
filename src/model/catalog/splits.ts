import { z } from "zod";
import { Duration } from "../duration.js";
import { defineElement } from "./element-def.js";

const variantKey = z.string().min(1).regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only");

function uniqueKeys(variants: { key: string }[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (seen.has(v.key)) ctx.addIssue({ code: "custom", path: ["variants", i, "key"], message: `variant ${v.key} is listed twice` });
    seen.add(v.key);
  });
}

export const splits = [
  defineElement({
    type: "split.ax", family: "split",
    label: { fr: "A/X Split", en: "A/X Split" },
    description: {
      fr: "Répartit les contacts au hasard selon les poids; une fois un gagnant choisi, tous vont au gagnant.",
      en: "Routes contacts at random by weight; once a winner is set, everyone goes to the winner.",
    },
    params: z
      .object({
        variants: z.array(z.object({ key: variantKey, weight: z.number().positive() })).min(2),
        winner: z.string().optional(),
      })
      .superRefine((p, ctx) => {
        uniqueKeys(p.variants, ctx);
        if (p.winner !== undefined && !p.variants.some((v) => v.key === p.winner))
          ctx.addIssue({ code: "custom", path: ["winner"], message: `winner ${p.winner} is not a variant` });
      }),
    exits: (p) => p.variants.map((v) => v.key),
  }),
  defineElement({
    type: "split.axTest", family: "split",
    label: { fr: "A/X Test", en: "A/X Test" },
    description: {
      fr: "Envoie un pourcentage des contacts à chaque variante; les autres attendent le gagnant (manuel ou automatique) puis le suivent.",
      en: "Sends a percentage of contacts to each variant; the rest wait for the winner (manual or automatic), then follow it.",
    },
    params: z
      .object({
        variants: z.array(z.object({ key: variantKey, percent: z.number().gt(0).max(100) })).min(2),
        winner: z.discriminatedUnion("mode", [
          z.object({ mode: z.literal("manual") }),
          z.object({ mode: z.literal("auto"), metric: z.enum(["opens", "clicks", "success"]), after: Duration }),
        ]),
      })
      .superRefine((p, ctx) => {
        uniqueKeys(p.variants, ctx);
        const total = p.variants.reduce((s, v) => s + v.percent, 0);
        if (total > 100) ctx.addIssue({ code: "custom", path: ["variants"], message: `the percentages add up to ${total} (more than 100)` });
      }),
    exits: (p) => p.variants.map((v) => v.key),
  }),
  defineElement({
    type: "split.distribution", family: "split",
    label: { fr: "Distribution de contacts", en: "Contact distribution" },
    description: {
      fr: "Remplit les sorties dans l'ordre, chacune jusqu'à son maximum par période; le reste sort par « reste ».",
      en: "Fills the outputs in order, each up to its maximum per period; the others leave by “rest”.",
    },
    params: z.object({
      outputs: z.array(z.object({ max: z.number().int().nonnegative() })).min(1),
      per: z.enum(["run", "day", "campaign"]).optional(),
    }),
    exits: (p) => [...p.outputs.map((_, i) => `out${i + 1}`), "rest"],
    greyExits: ["rest"],
  }),
];
