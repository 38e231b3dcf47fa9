// MD5 (RFC 1321) in plain JavaScript: browsers' SubtleCrypto has no MD5, and Azure blocks and
// GCS parts check a Content-MD5. Not for security: for the integrity of bytes in transit, the
// only use those clouds make of it.

/** floor(abs(sin(i + 1)) * 2^32), as RFC 1321 defines them. */
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
/** Which word of the block each of the 64 steps adds. */
const WORD = Uint8Array.from({ length: 64 }, (_, i) => [i, 5 * i + 1, 3 * i + 5, 7 * i][i >> 4] & 15);
/** The left rotations of each round's four steps. */
const SHIFTS = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];

/** One step: `a` plus the round's function of `b`, `c`, `d`, the word and K, rotated, plus `b`. */
const step = (mix, a, b, s) => {
  const t = (a + mix) | 0;
  return (b + ((t << s) | (t >>> (32 - s)))) | 0;
};
/** Each round's function of b, c and d. */
const ROUNDS = [
  (b, c, d) => (b & c) | (~b & d),
  (b, c, d) => (d & b) | (~d & c),
  (b, c, d) => b ^ c ^ d,
  (b, c, d) => c ^ (b | ~d),
];

/**
 * Folds the 64-byte blocks of `bytes` from `start` to `end` into `state`.
 * @param {Int32Array} state
 * @param {Uint8Array} bytes
 * @param {number} start
 * @param {number} end
 */
function blocks(state, bytes, start, end) {
  const x = new Int32Array(16);
  let [a, b, c, d] = state;
  for (let j = start; j < end; j += 64) {
    for (let w = 0; w < 16; w += 1) {
      const at = j + w * 4;
      x[w] = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    }
    const a0 = a;
    const b0 = b;
    const c0 = c;
    const d0 = d;
    for (let round = 0; round < 4; round += 1) {
      const f = ROUNDS[round];
      const [s0, s1, s2, s3] = SHIFTS[round];
      for (let i = round * 16; i < round * 16 + 16; i += 4) {
        a = step(f(b, c, d) + K[i] + x[WORD[i]], a, b, s0);
        d = step(f(a, b, c) + K[i + 1] + x[WORD[i + 1]], d, a, s1);
        c = step(f(d, a, b) + K[i + 2] + x[WORD[i + 2]], c, d, s2);
        b = step(f(c, d, a) + K[i + 3] + x[WORD[i + 3]], b, c, s3);
      }
    }
    a = (a + a0) | 0;
    b = (b + b0) | 0;
    c = (c + c0) | 0;
    d = (d + d0) | 0;
  }
  state.set([a, b, c, d]);
}

/**
 * The MD5 digest of `bytes` (16 bytes).
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function md5(bytes) {
  const state = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
  const whole = bytes.length - (bytes.length % 64);
  blocks(state, bytes, 0, whole);
  const rest = bytes.length - whole;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[rest] = 0x80;
  const bits = bytes.length * 8;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, bits >>> 0, true);
  view.setUint32(tail.length - 4, Math.floor(bits / 2 ** 32), true);
  blocks(state, tail, 0, tail.length);
  return new Uint8Array(state.buffer);
}
