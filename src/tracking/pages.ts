/** The small pages a contact sees from a message's links, in French (default) and English. */
export type Lang = "fr" | "en";

/** French unless the query asks for English or the browser prefers it over French. */
export function pageLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === "en" || query === "fr") return query;
  const prefs = (acceptLanguage ?? "").split(",").map((p) => p.trim().slice(0, 2).toLowerCase());
  const en = prefs.indexOf("en");
  const fr = prefs.indexOf("fr");
  return en !== -1 && (fr === -1 || en < fr) ? "en" : "fr";
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(lang: Lang, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#5b3cc4;color:#fff;cursor:pointer}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

const T = {
  fr: {
    invalidTitle: "Lien invalide",
    invalid: "Ce lien est invalide ou a été modifié. Aucune redirection n'a été faite.",
    unsubTitle: "Désabonnement",
    unsubAsk: (type: string) => `Voulez-vous vous désabonner des envois « ${type} » ?`,
    unsubButton: "Me désabonner",
    unsubDone: (type: string) => `C'est fait : vous ne recevrez plus les envois « ${type} ».`,
    adminType: "Ce message est un envoi administratif (par exemple une confirmation de commande) : il ne comporte pas d'abonnement dont on peut se désabonner.",
    other: "English",
  },
  en: {
    invalidTitle: "Invalid link",
    invalid: "This link is invalid or has been altered. You were not redirected.",
    unsubTitle: "Unsubscribe",
    unsubAsk: (type: string) => `Do you want to unsubscribe from “${type}” messages?`,
    unsubButton: "Unsubscribe",
    unsubDone: (type: string) => `Done: you will no longer receive “${type}” messages.`,
    adminType: "This message is an administrative one (an order confirmation, for instance): there is no subscription to leave.",
    other: "Français",
  },
};

const switcher = (lang: Lang, path: string) => `<p><a href="${escape(path)}?lang=${lang === "fr" ? "en" : "fr"}">${T[lang].other}</a></p>`;

export const pages = {
  invalidLink: (lang: Lang) => page(lang, T[lang].invalidTitle, `<p>${T[lang].invalid}</p>`),
  unsubscribeAsk: (lang: Lang, type: string, path: string) =>
    page(lang, T[lang].unsubTitle, `<p>${escape(T[lang].unsubAsk(type))}</p><form method="post" action="${escape(path)}?lang=${lang}"><button type="submit">${T[lang].unsubButton}</button></form>${switcher(lang, path)}`),
  unsubscribeDone: (lang: Lang, type: string) => page(lang, T[lang].unsubTitle, `<p>${escape(T[lang].unsubDone(type))}</p>`),
  administrative: (lang: Lang) => page(lang, T[lang].unsubTitle, `<p>${T[lang].adminType}</p>`),
};
