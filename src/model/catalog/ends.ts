import { z } from "zod";
import { defineElement } from "./element-def.js";

const none = () => [];

export const OUTCOMES = ["success", "failure", "abandon", "neutral"] as const;
export type EndOutcome = (typeof OUTCOMES)[number];

export const ends = [
  defineElement({
    type: "end.success", family: "end", exits: none, params: z.object({}),
    label: { fr: "Succès", en: "Success" },
    description: { fr: "Le parcours se termine en succès.", en: "The journey ends in success." },
  }),
  defineElement({
    type: "end.abandon", family: "end", exits: none, params: z.object({}),
    label: { fr: "Abandon", en: "Abandon" },
    description: { fr: "Le parcours se termine en abandon.", en: "The journey ends as abandoned." },
  }),
  defineElement({
    type: "end.failure", family: "end", exits: none, params: z.object({}),
    label: { fr: "Échec", en: "Failure" },
    description: { fr: "Le parcours se termine en échec.", en: "The journey ends in failure." },
  }),
  defineElement({
    type: "end.neutral", family: "end", exits: none, params: z.object({}),
    label: { fr: "Neutre", en: "Neutral" },
    description: { fr: "Le parcours se termine sans résultat particulier.", en: "The journey ends with no particular outcome." },
  }),
];

export const utilities = [
  defineElement({
    type: "note", family: "utility", exits: none,
    label: { fr: "Note", en: "Note" },
    description: { fr: "Un post-it sur le canevas; jamais relié, jamais exécuté.", en: "A post-it on the canvas; never connected, never run." },
    params: z.object({
      text: z.string().default(""),
      color: z.string().optional(),
      size: z.object({ width: z.number().positive(), height: z.number().positive() }).optional(),
    }),
  }),
];
