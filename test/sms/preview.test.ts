import { afterEach, describe, expect, it } from "vitest";
import { SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

for (const { name } of SERVER_STORES) {
  describe(`SMS preview and settings (${name})`, () => {
    let s: TestServer;
    afterEach(async () => s?.close());

    it("counts GSM-7 and UCS-2 segments with the 160/153 and 70/67 rules", async () => {
      s = await testServer(name);
      const p = await s.project({}, "viewer");
      const count = async (text: string) => {
        const r = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, p.auth, { text });
        expect(r.statusCode, r.body).toBe(200);
        const { text: sent, ...counts } = r.json();
        expect(sent).toBe(text);
        return counts;
      };
      expect(await count("")).toEqual({ encoding: "GSM-7", segments: 0, charactersLeft: 160, length: 0 });
      expect(await count("Bonjour à vous, -20 % ce soir à la boutique!")).toEqual({ encoding: "GSM-7", segments: 1, charactersLeft: 116, length: 44 });
      expect(await count("a".repeat(160))).toEqual({ encoding: "GSM-7", segments: 1, charactersLeft: 0, length: 160 });
      expect(await count("a".repeat(161))).toEqual({ encoding: "GSM-7", segments: 2, charactersLeft: 145, length: 161 });
      // The euro sign is in the extension table: two septets each.
      expect(await count("€".repeat(80))).toEqual({ encoding: "GSM-7", segments: 1, charactersLeft: 0, length: 160 });
      expect(await count("€".repeat(81))).toEqual({ encoding: "GSM-7", segments: 2, charactersLeft: 144, length: 162 });
      // « ê » is not in GSM-7: the whole text goes UCS-2.
      expect(await count("Fête")).toEqual({ encoding: "UCS-2", segments: 1, charactersLeft: 66, length: 4 });
      expect(await count("ê".repeat(70))).toEqual({ encoding: "UCS-2", segments: 1, charactersLeft: 0, length: 70 });
      expect(await count("ê".repeat(71))).toEqual({ encoding: "UCS-2", segments: 2, charactersLeft: 63, length: 71 });
      expect(await count("🎉")).toMatchObject({ encoding: "UCS-2", length: 2 });
    });

    it("reads and changes the SMS and push settings, admins only, with clear errors", async () => {
      s = await testServer(name);
      const p = await s.project();
      const url = `/api/v1/projects/${p.id}`;
      expect((await s.call("GET", `${url}/sms-settings`, p.auth)).json()).toEqual({ defaultCountry: "CA", quietHours: { start: "21:00", end: "09:00" } });
      const put = await s.call("PUT", `${url}/sms-settings`, p.auth, { defaultCountry: "FR", quietHours: { start: "20:30", end: "08:00" } });
      expect(put.statusCode, put.body).toBe(200);
      expect((await s.call("GET", `${url}/sms-settings`, p.auth)).json()).toEqual({ defaultCountry: "FR", quietHours: { start: "20:30", end: "08:00" } });
      const bad = await s.call("PUT", `${url}/sms-settings`, p.auth, { defaultCountry: "XX", quietHours: { start: "25:00", end: "08:00" } });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain("ISO 3166");
      expect(bad.body).toContain("HH:MM");
      expect((await s.call("GET", `${url}/sms-settings`, p.auth)).json().defaultCountry).toBe("FR");

      expect((await s.call("PUT", `${url}/push-settings`, p.auth, { sites: ["https://shop.example"] })).json()).toEqual({ sites: ["https://shop.example"] });
      expect((await s.call("PUT", `${url}/push-settings`, p.auth, { sites: ["https://shop.example/path"] })).statusCode).toBe(400);
      const viewer = await s.call("POST", `${url}/api-keys`, { cookie: s.adminCookie }, { name: "v", role: "viewer" });
      const v = { authorization: `Bearer ${viewer.json().key}` };
      expect((await s.call("GET", `${url}/push-settings`, v)).json()).toEqual({ sites: ["https://shop.example"] });
      expect((await s.call("PUT", `${url}/push-settings`, v, { sites: [] })).statusCode).toBe(403);
    });

    it("personalises for a contact and counts links at the length of their short click link", async () => {
      s = await testServer(name);
      const p = await s.project();
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, fields: [...c.fields, { key: "firstName", type: "text", category: "general" }] }));
      await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com", firstName: "Zoë" } } });
      const r = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, p.auth, { text: "Salut {{ contact.firstName }}, voyez https://shop.example/x.", contact: "ann@example.com" });
      expect(r.statusCode, r.body).toBe(200);
      const out = r.json();
      // A short link: the target stays in the message, not in the text (journey 0 in a preview).
      expect(out.text).toMatch(/^Salut Zoë, voyez http:\/\/relais\.test\/l\/0\.0\.0\.[A-Za-z0-9_-]{12}\.$/);
      // ë is not GSM-7: UCS-2, counted on the text as sent.
      expect(out).toMatchObject({ encoding: "UCS-2", length: out.text.length, segments: Math.ceil(out.text.length / 67) });

      const unknown = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, p.auth, { text: "x", contact: "nobody@example.com" });
      expect(unknown.statusCode).toBe(404);
      const broken = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, p.auth, { text: "Salut {{ contact.firstName " });
      expect(broken.statusCode).toBe(422);
      expect(broken.json().code).toBe("template_error");
    });

    it("refuses a call without a text or without a key, with problem+json", async () => {
      s = await testServer(name);
      const p = await s.project();
      const bad = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, p.auth, { txt: "x" });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers["content-type"]).toContain("application/problem+json");
      const anon = await s.call("POST", `/api/v1/projects/${p.id}/sms-preview`, {}, { text: "x" });
      expect(anon.statusCode).toBe(401);
    });
  });
}
