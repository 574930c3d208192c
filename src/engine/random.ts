/**
 * Deterministic randomness: a number in [0, 1) derived from the seed, the campaign, the
 * element and the contact, so a replay or a simulation with the same seed routes the same way.
 * (cyrb53-style 53-bit string hash.)
 */
export function draw(seed: number, campaign: string, element: string, contact: string, salt = ""): number {
  const s = `${seed}\u0000${campaign}\u0000${element}\u0000${contact}\u0000${salt}`;
  // The seed is hashed as part of the text only: XOR-ing it into the initial state as well let a
  // one-digit seed cancel against its own digit ('5' ^ 5 === '6' ^ 6), so seeds 0–9 all drew alike.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const n = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return n / 9007199254740992;
}
