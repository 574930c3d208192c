import { describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";

describe("signed message links", () => {
  const signer = new LinkSigner(Buffer.alloc(32, 1), "https://relais.example.com/");
  const key = { journey: 42, element: "a-1:x", hop: 3 };
  const tokenOf = (url: string) => new URL(url).pathname.split("/").pop()!;

  it("round-trips the message key of every kind of link, on the public base URL", () => {
    for (const kind of ["open", "unsubscribe", "view"] as const) {
      const url = signer.url(kind, key);
      expect(url.startsWith("https://relais.example.com/")).toBe(true);
      expect(signer.verify(kind, tokenOf(url))).toEqual(key);
    }
    const click = new URL(signer.url("click", key, "https://shop.example.com/p?a=1&b=2"));
    expect(click.searchParams.get("u")).toBe("https://shop.example.com/p?a=1&b=2");
    expect(signer.verify("click", tokenOf(click.href), "https://shop.example.com/p?a=1&b=2")).toEqual(key);
  });

  it("refuses a tampered target, another kind's token, another server's key and garbage", () => {
    const click = new URL(signer.url("click", key, "https://shop.example.com/"));
    expect(signer.verify("click", tokenOf(click.href), "https://evil.example.net/")).toBeUndefined();
    expect(signer.verify("open", tokenOf(signer.url("unsubscribe", key)))).toBeUndefined();
    const other = new LinkSigner(Buffer.alloc(32, 2), "https://relais.example.com");
    expect(other.verify("unsubscribe", tokenOf(signer.url("unsubscribe", key)))).toBeUndefined();
    const [t, s] = tokenOf(signer.url("view", key)).split(".");
    const forged = Buffer.from("43:a-1:x:3").toString("base64url");
    expect(signer.verify("view", `${forged}.${s}`)).toBeUndefined();
    expect(signer.verify("view", `${t}.${s.slice(0, -1)}A`.replace(/AA$/, "AB"))).toBeUndefined();
    for (const junk of ["", ".", "abc", "a.b.c.d", "%00.xx"]) expect(signer.verify("view", junk)).toBeUndefined();
  });

  it("signs Message-IDs and VERP return paths, and reads the message back from either", () => {
    const id = signer.messageId(key, "mail.example.com");
    expect(id).toMatch(/^<m\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}@mail\.example\.com>$/);
    expect(signer.parseBounceAddress(id)).toEqual(key);
    const verp = signer.verp(key, "bounces", "mail.example.com");
    expect(verp.startsWith("bounces+")).toBe(true);
    expect(signer.parseBounceAddress(verp)).toEqual(key);
    expect(signer.parseBounceAddress(verp.replace("bounces+", "x+").replace(/.@/, "A@"))).toBeUndefined();
    expect(signer.parseBounceAddress("<random-id@gmail.com>")).toBeUndefined();
    // A link token is not a bounce token.
    const view = new URL(signer.url("view", key)).pathname.split("/").pop()!;
    expect(signer.parseBounceAddress(`bounces+${view}@mail.example.com`)).toBeUndefined();
  });

  it("signs short SMS links that name the message and the link index, nothing else", () => {
    const url = signer.short({ journey: 1_234_567, element: "sms-1", hop: 12 }, 2);
    expect(url).toMatch(/^https:\/\/relais\.example\.com\/l\/qglj\.c\.2\.[A-Za-z0-9_-]{12}$/);
    // ~25 characters after the base URL, whatever the target's length.
    expect(url.length - "https://relais.example.com".length).toBeLessThanOrEqual(26);
    const code = url.split("/l/")[1];
    expect(signer.verifyShort(code)).toEqual({ journey: 1_234_567, hop: 12, index: 2 });
    // Another message, another index, another server's key, garbage: refused.
    expect(signer.verifyShort(code.replace("qglj.", "qglk."))).toBeUndefined();
    expect(signer.verifyShort(code.replace(".2.", ".3."))).toBeUndefined();
    expect(new LinkSigner(Buffer.alloc(32, 2), "https://relais.example.com").verifyShort(code)).toBeUndefined();
    for (const junk of ["", "a.b.c", "1.2.3.short", "1.2.3.AAAAAAAAAAAAA", "Z.1.1.AAAAAAAAAAAA"]) expect(signer.verifyShort(junk)).toBeUndefined();
  });
});
