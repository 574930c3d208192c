import type { ProjectConfig } from "../../../src/model/index.js";

/** Where a CSV column goes, as the import API reads it: `field:<key>`, `subscription:<type>`, `groups` or `ignore`. */
export type ImportTarget = string;

/** Lower case, no accents, letters and digits only: "Prénom " → "prenom". */
export function normalizeName(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Common French and English column names for the usual fields, by normalized name. */
const SYNONYMS: Record<string, string[]> = {
  email: ["courriel", "mail", "email", "emailaddress", "adressecourriel", "e-mail", "adressecourriel"],
  firstname: ["prenom", "firstname", "givenname"],
  lastname: ["nom", "nomdefamille", "lastname", "surname", "familyname"],
  phone: ["telephone", "tel", "cellulaire", "mobile", "phone", "phonenumber"],
  city: ["ville", "city"],
  language: ["langue", "language", "lang"],
  birthdate: ["datedenaissance", "naissance", "birthdate", "birthday", "dateofbirth"],
};
const GROUP_NAMES = new Set(["groups", "groupes", "group", "groupe"]);

/**
 * The suggested target of each CSV column: the field of the same name (ignoring case, accents
 * and punctuation), a known synonym (courriel → the email field, prénom → firstName…), a
 * communication type of that name (`subscription:`), `groups` for a groups column, else `ignore`.
 */
export function suggestMapping(headers: string[], config: Pick<ProjectConfig, "fields" | "communicationTypes">): Record<string, ImportTarget> {
  const byName = new Map(config.fields.map((f) => [normalizeName(f.key), f.key]));
  const types = new Map(config.communicationTypes.map((t) => [normalizeName(t.key), t.key]));
  const taken = new Set<string>();
  const out: Record<string, ImportTarget> = {};
  for (const h of headers) {
    const n = normalizeName(h);
    let target: ImportTarget = "ignore";
    const exact = byName.get(n);
    if (exact) target = `field:${exact}`;
    else if (GROUP_NAMES.has(n)) target = "groups";
    else if (types.has(n) || types.has(n.replace(/^(abonnement|subscription)/, ""))) target = `subscription:${types.get(n) ?? types.get(n.replace(/^(abonnement|subscription)/, ""))}`;
    else {
      for (const [canon, names] of Object.entries(SYNONYMS)) {
        if (!names.includes(n)) continue;
        const key = byName.get(canon) ?? (canon === "email" ? config.fields.find((f) => f.type === "email")?.key : canon === "phone" ? config.fields.find((f) => f.type === "phone")?.key : undefined);
        if (key) target = `field:${key}`;
        break;
      }
    }
    // Two columns feeding one field would fight: the first keeps it.
    if (target !== "ignore" && target !== "groups" && taken.has(target)) target = "ignore";
    taken.add(target);
    out[h] = target;
  }
  return out;
}

/** The unique-key field the mapping lacks (an import needs it), or undefined when mapped. */
export function missingKey(mapping: Record<string, ImportTarget>, config: Pick<ProjectConfig, "fields">): string | undefined {
  const key = config.fields.find((f) => f.category === "uniqueKey")?.key;
  if (!key) return undefined;
  return Object.values(mapping).includes(`field:${key}`) ? undefined : key;
}
