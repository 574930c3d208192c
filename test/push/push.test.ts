import { createDecipheriv, createECDH, createHmac, createPublicKey, createVerify, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { Agent, createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LinkSigner } from "../../src/channels/links.js";
import { PushTransport } from "../../src/channels/push/push-transport.js";
import { ChannelRouter } from "../../src/channels/router.js";
import { Engine } from "../../src/engine/engine.js";
import { CampaignDocument } from "../../src/model/index.js";
import { BASE_URL, SERVER_STORES, testServer, type TestServer } from "../server/helper.js";

const hmac = (key: Buffer, data: Buffer) => createHmac("sha256", key).update(data).digest();

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browser() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") } };
}

/** RFC 8291 + RFC 8188 (aes128gcm) decryption, as the browser does it, written out with node:crypto. */
function decrypt(b: ReturnType<typeof browser>, body: Buffer): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const secret = b.ecdh.computeSecret(asPublic);
  const prkKey = hmac(b.auth, secret);
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from("WebPush: info\0"), b.ecdh.getPublicKey(), asPublic, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01")).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01")).subarray(0, 12);
  const d = createDecipheriv("aes-128-gcm", cek, nonce);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
  return plain.subarray(0, plain.lastIndexOf(2)).toString("utf8");
}

/** Checks a VAPID `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292): ES256 signature, audience, subject. */
function verifyVapid(header: string | undefined, audience: string): { sub: string; k: string } {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(header ?? "");
  if (!m) throw new Error(`not a VAPID header: ${header}`);
  const [h, p, sig] = m[1].split(".");
  const raw = Buffer.from(m[2], "base64url");
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: raw.subarray(1, 33).toString("base64url"), y: raw.subarray(33).toString("base64url") }, format: "jwk" });
  const ok = createVerify("SHA256").update(`${h}.${p}`).verify({ key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"));
  if (!ok) throw new Error("bad VAPID signature");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  expect(claims.aud).toBe(audience);
  return { sub: claims.sub, k: m[2] };
}

interface Received { path: string; headers: IncomingHttpHeaders; body: Buffer }

/** A self-signed certificate for 127.0.0.1 (openssl), trusted by the agent given to the transport. */
function certificate() {
  const dir = mkdtempSync(join(tmpdir(), "relais-push-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real push service over HTTPS: takes notifications, answers 410 for endpoints under /gone/. */
async function pushService() {
  const received: Received[] = [];
  const tls = certificate();
  const server = createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(req.url?.startsWith("/gone/") ? 410 : 201).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, origin, agent: new Agent({ ca: tls.cert }), close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const { name } of SERVER_STORES) {
  describe(`web push (${name})`, () => {
    let s: TestServer;
    const closers: (() => unknown)[] = [];
    afterEach(async () => {
      for (const c of closers.splice(0).reverse()) await c();
      await s?.close();
    });

    it("registers devices, sends encrypted VAPID notifications with TTL and urgency, tracks the click, drops a 410 device", async () => {
      const svc = await pushService();
      closers.push(svc.close);
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, communicationTypes: [{ key: "promos", channel: "push" }] }));
      await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com" }, subscriptions: { promos: true } } });

      const key = await s.call("GET", "/api/v1/push/vapid-public-key", {});
      expect(key.statusCode).toBe(200);
      const publicKey = key.json().publicKey as string;
      expect(Buffer.from(publicKey, "base64url")).toHaveLength(65);
      // Stored once: the same key on the next call, the private key encrypted at rest.
      expect((await s.call("GET", "/api/v1/push/vapid-public-key", {})).json().publicKey).toBe(publicKey);
      const stored = await s.ctx.db.first(s.ctx.db.q.selectFrom("push_vapid").selectAll());
      expect(stored!.private_key).not.toMatch(/^[A-Za-z0-9_-]{43}$/);

      const phone = browser();
      const laptop = browser();
      const add = (endpoint: string, keys: { p256dh: string; auth: string }) =>
        s.call("POST", `/api/v1/projects/${p.id}/push/subscriptions`, p.auth, { contact: "ann@example.com", subscription: { endpoint, keys } });
      expect((await add(`${svc.origin}/live/phone`, phone.keys)).json()).toEqual({ contact: "ann@example.com", devices: 1 });
      expect((await add(`${svc.origin}/gone/laptop`, laptop.keys)).json()).toEqual({ contact: "ann@example.com", devices: 2 });
      expect((await add(`${svc.origin}/live/phone`, phone.keys)).json()).toEqual({ contact: "ann@example.com", devices: 2 });
      const bad = await add("not a url", { p256dh: "x", auth: "y" });
      expect(bad.statusCode).toBe(400);

      const engine = new Engine({
        store: s.store, clock: s.clock, links: new LinkSigner(s.ctx.secret, BASE_URL),
        transport: new ChannelRouter().register("push", new PushTransport({ subject: "mailto:ops@shop.example", ttl: 3600, urgency: "normal", agent: svc.agent },
          { store: s.store, db: s.ctx.db, secret: s.ctx.secret, links: new LinkSigner(s.ctx.secret, BASE_URL), now: () => s.clock.now() })),
      });
      await engine.saveCampaign(p.id, CampaignDocument.parse({
        id: "flash", name: "flash",
        elements: [
          { id: "t1", type: "trigger.manual", params: {} },
          { id: "a1", type: "action.sendWebPush", params: { communicationType: "promos", message: { title: "Vente éclair", body: "-30 % pendant 2 h", url: "https://shop.example/flash", icon: "https://shop.example/i.png" } } },
          { id: "e1", type: "end.success", params: {} },
        ],
        connections: [{ from: "t1", exit: "next", to: "a1" }, { from: "a1", exit: "next", to: "e1" }],
      }), 1);
      await engine.activate("flash");
      await engine.launch("flash");
      await engine.tick();

      expect(svc.received.map((r) => r.path).sort()).toEqual(["/gone/laptop", "/live/phone"]);
      const got = svc.received.find((r) => r.path === "/live/phone")!;
      expect(got.headers.ttl).toBe("3600");
      expect(got.headers.urgency).toBe("normal");
      expect(got.headers["content-encoding"]).toBe("aes128gcm");
      expect(verifyVapid(got.headers.authorization, svc.origin)).toEqual({ sub: "mailto:ops@shop.example", k: publicKey });
      const note = JSON.parse(decrypt(phone, got.body));
      expect(note).toMatchObject({ title: "Vente éclair", body: "-30 % pendant 2 h", icon: "https://shop.example/i.png" });
      expect(note.url).toMatch(/^http:\/\/relais\.test\/t\/c\/\S+\?u=https%3A%2F%2Fshop\.example%2Fflash$/);

      const ann = await s.store.findContact(p.id, "ann@example.com");
      expect((ann!.push as { endpoint: string }[]).map((x) => x.endpoint)).toEqual([`${svc.origin}/live/phone`]);
      const [message] = await s.store.campaignMessages("flash");
      expect(message.status).toBe("sent");

      s.clock.set(s.clock.now() + 10 * 60_000);
      const click = await s.app.inject({ method: "GET", url: String(note.url).slice(BASE_URL.length), headers: { "user-agent": "Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36" } });
      expect(click.statusCode).toBe(302);
      expect(click.headers.location).toBe("https://shop.example/flash");
      expect((await s.store.campaignMessages("flash"))[0].clickedAt).toBe(s.clock.now());
    });

    it("lets a browser on a declared site add a device with the contact's signed token, and no one else", async () => {
      s = await testServer(name);
      const p = await s.project({ id: "shop" });
      await s.ctx.projects.updateConfig(p.id, (c) => ({ ...c, sites: ["https://shop.example"] }));
      await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: "ann@example.com", fields: { email: "ann@example.com" } } });
      const t = await s.call("POST", `/api/v1/projects/${p.id}/push/tokens`, p.auth, { contact: "ann@example.com" });
      expect(t.statusCode).toBe(200);
      const token = t.json().token as string;
      const b = browser();
      const post = (origin: string, body: Record<string, unknown>) => s.app.inject({ method: "POST", url: "/api/v1/push/subscriptions", headers: { origin }, payload: body });
      const body = { project: p.id, contact: "ann@example.com", token, subscription: { endpoint: "https://push.example/abc", keys: b.keys } };

      const ok = await post("https://shop.example", body);
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.headers["access-control-allow-origin"]).toBe("https://shop.example");
      expect(ok.json()).toEqual({ contact: "ann@example.com", devices: 1 });

      const elsewhere = await post("https://evil.example", body);
      expect(elsewhere.statusCode).toBe(403);
      expect(elsewhere.json().code).toBe("origin-not-allowed");
      expect(elsewhere.headers["access-control-allow-origin"]).toBeUndefined();
      // A token is for one contact: it does not let the page add devices to another one.
      await s.ctx.engine.contactEvent(p.id, { type: "contact.created", contact: { id: "bob@example.com", fields: { email: "bob@example.com" } } });
      const forged = await post("https://shop.example", { ...body, contact: "bob@example.com" });
      expect(forged.statusCode).toBe(401);
      expect(forged.json().code).toBe("bad-token");
      expect((await s.store.findContact(p.id, "bob@example.com"))!.push).toEqual([]);
      expect((await s.store.findContact(p.id, "ann@example.com"))!.push).toHaveLength(1);

      const script = await s.app.inject({ method: "GET", url: `/push/subscribe.js?project=${p.id}` });
      expect(script.statusCode).toBe(200);
      expect(script.body).toContain('var project = "shop"');
      expect(script.body).toContain("/api/v1/push/subscriptions");
    });

    it("serves the service worker", async () => {
      s = await testServer(name);
      const r = await s.app.inject({ method: "GET", url: "/push/sw.js" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toContain("text/javascript");
      expect(r.body).toContain("showNotification");
      expect(r.body).toContain("openWindow");
    });
  });
}
