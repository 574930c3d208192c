import webpush from "web-push";
import { decryptSecret, encryptSecret } from "../../server/secrets.js";
import type { DirectoryDb } from "../../store/directory/directory-db.js";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The instance's VAPID key pair: generated at first use and stored (`push_vapid`, the private
 * key encrypted with the server secret). Two processes starting together keep the first one written.
 */
export async function vapidKeys(db: DirectoryDb, secret: Buffer, now: number): Promise<VapidKeys> {
  const read = async () => db.first(db.q.selectFrom("push_vapid").select(["public_key", "private_key"]).where("id", "=", "default"));
  let row = await read();
  if (!row) {
    const k = webpush.generateVAPIDKeys();
    await db.run(db.q.insertInto("push_vapid").values({ id: "default", public_key: k.publicKey, private_key: encryptSecret(secret, k.privateKey, "vapid"), created_at: now })
      .onConflict((c) => c.column("id").doNothing()));
    row = await read();
  }
  return { publicKey: row!.public_key, privateKey: decryptSecret(secret, row!.private_key, "vapid") };
}
