/** A user-facing text in both languages Relais speaks. French is the default. */
export interface Text {
  fr: string;
  en: string;
}

export type Lang = keyof Text;

export const LANGS: readonly Lang[] = ["fr", "en"];

/** Picks the text in `lang`, falling back to French. */
export function t(text: Text, lang: Lang = "fr"): string {
  return text[lang] ?? text.fr;
}
