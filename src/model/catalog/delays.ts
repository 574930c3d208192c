import { z } from "zod";
import { DURATION_UNITS } from "../duration.js";
import { defineElement, NEXT } from "./element-def.js";

export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;

export const delays = [
  defineElement({
    type: "delay.period", family: "delay", exits: NEXT,
    label: { fr: "Délai - Période", en: "Delay - Period" },
    description: {
      fr: "Attend la durée choisie (jours et semaines en heure locale, minutes et heures absolues).",
      en: "Waits for the chosen time (days and weeks in local time, minutes and hours absolute).",
    },
    params: z.object({ amount: z.number().int().nonnegative(), unit: z.enum(DURATION_UNITS) }),
  }),
  defineElement({
    type: "delay.weekdays", family: "delay", exits: NEXT,
    label: { fr: "Délai - Jours de semaine", en: "Delay - Weekdays" },
    description: {
      fr: "Attend le prochain des jours choisis à l'heure choisie (09:00 par défaut), strictement après l'arrivée.",
      en: "Waits until the next chosen weekday at the chosen time (09:00 by default), strictly after arrival.",
    },
    params: z.object({
      days: z.array(z.enum(WEEKDAYS)).min(1),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:mm").optional(),
    }),
  }),
  defineElement({
    type: "delay.approval", family: "delay", exits: NEXT,
    label: { fr: "Approbation", en: "Approval" },
    description: {
      fr: "Attend l'approbation des courriels préparés en amont; rejetés, ils sont écartés et les contacts finissent en abandon.",
      en: "Waits until the emails prepared upstream are approved; if rejected they are discarded and the contacts end as abandon.",
    },
    params: z.object({}),
  }),
];
