import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in bulk and ids are formatted into a reused byte buffer, then read out
// as one string: `crypto.randomUUID()` built each id from many short strings (about half a
// kilobyte of garbage per entry, and garbage collection is the largest single cost of ingest).
const POOL = 16 * 256;
const pool = Buffer.allocUnsafe(POOL);
let at = POOL;
const text = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
// Byte offsets of the 16 bytes' hex pairs in the 8-4-4-4-12 layout.
const OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
text[8] = text[13] = text[18] = text[23] = 0x2d; // '-'

/** A random (version 4) UUID, as `crypto.randomUUID()` makes them, for audit entry ids. */
export function entryId(): string {
  if (at === POOL) {
    randomFillSync(pool);
    at = 0;
  }
  pool[at + 6] = (pool[at + 6]! & 0x0f) | 0x40; // version 4
  pool[at + 8] = (pool[at + 8]! & 0x3f) | 0x80; // variant 10
  for (let i = 0; i < 16; i++) {
    const byte = pool[at + i]!;
    const o = OFFSETS[i]!;
    text[o] = HEX[byte >> 4]!;
    text[o + 1] = HEX[byte & 15]!;
  }
  at += 16;
  return text.toString('latin1', 0, 36);
}
