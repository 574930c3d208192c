import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const keyOf = (secret: Buffer) => Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "relais push contact v1", 32));

/**
 * The token a site puts in its page so the browser may register push subscriptions for one contact
 * of one project (HMAC-SHA256, 22 characters). It does not expire: it only lets a browser add a
 * device to that contact.
 */
export function pushContactToken(secret: Buffer, projectId: string, contactId: string): string {
  return createHmac("sha256", keyOf(secret)).update(`${projectId}\0${contactId}`).digest().subarray(0, 16).toString("base64url");
}

export function verifyPushContactToken(secret: Buffer, projectId: string, contactId: string, token: string): boolean {
  const expected = Buffer.from(pushContactToken(secret, projectId, contactId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
