import { afterEach, describe, expect, it } from "vitest";
import { rulePrefilter } from "../../src/contacts/contact-search.js";
import type { FieldType, Rule } from "../../src/model/index.js";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const types = new Map<string, FieldType>([["email", "email"], ["firstName", "text"], ["score", "number"], ["phone", "phone"]]);

describe("the SQL prefilter of a rule search", () => {
  it("narrows by text operators on text fields only, and never for what it cannot read the same way", () => {
    const contains = (field: string, value: unknown): Rule => ({ field, operator: "contains", value });
    expect(rulePrefilter(contains("email", "  Ann@ "), types)).toEqual({ like: "ann@" });
    expect(rulePrefilter({ any: [contains("email", "ann"), contains("firstName", "ann")] }, types)).toEqual({ like: "ann" });
    expect(rulePrefilter({ any: [contains("email", "ann"), contains("firstName", "bob")] }, types)).toEqual({ or: [{ like: "ann" }, { like: "bob" }] });
    // An `any` with one rule it cannot narrow cannot be narrowed; an `all` keeps what it knows.
    expect(rulePrefilter({ any: [contains("email", "ann"), { field: "score", operator: "greaterThan", value: 3 }] }, types)).toBeUndefined();
    expect(rulePrefilter({ all: [contains("email", "ann"), { field: "score", operator: "greaterThan", value: 3 }] }, types)).toEqual({ like: "ann" });
    // Not narrowed: negations, non-text fields, accents (case folding differs), quotes and backslashes (escaped in JSON).
    for (const r of [{ not: contains("email", "ann") }, contains("score", "5"), contains("phone", "514"), contains("firstName", "Zoé"), contains("firstName", 'a"b'), contains("firstName", "a\\b"), { field: "email", operator: "notContains", value: "x" }] as Rule[]) {
      expect(rulePrefilter(r, types), JSON.stringify(r)).toBeUndefined();
    }
  });
});

for (const { name } of SERVER_STORES) {
  describe(`rule searches with the prefilter (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("finds the same contacts: any case, LIKE wildcards taken literally, the rule still deciding", async () => {
      s = await testServer(name);
      const p = await s.project();
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, fields: [...c.fields, { key: "firstName", type: "text", category: "general" }] }));
      const people = [["Ann.Lee@Example.com", "Ann"], ["bob_100%@example.com", "Bob"], ["bobx100y@example.com", "Bobby"], ["carl@example.com", "annabelle"]];
      for (const [email, firstName] of people) await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: email.toLowerCase(), fields: { email, firstName } } });
      const search = async (rule: Rule) => (await s.call("POST", `/api/v1/projects/${p.id}/contacts/search`, p.auth, { rule, limit: 50 })).json().contacts.map((c: { id: string }) => c.id);
      expect(await search({ any: [{ field: "email", operator: "contains", value: "ANN" }, { field: "firstName", operator: "contains", value: "ANN" }] }))
        .toEqual(["ann.lee@example.com", "carl@example.com"]);
      expect(await search({ field: "email", operator: "contains", value: "_100%" })).toEqual(["bob_100%@example.com"]);
      // "email" is a key of every contact's JSON: the prefilter lets all through, the rule decides.
      expect(await search({ field: "firstName", operator: "equals", value: "email" })).toEqual([]);
      expect(await search({ field: "firstName", operator: "startsWith", value: "bob" })).toEqual(["bob_100%@example.com", "bobx100y@example.com"]);
    });
  });
}
