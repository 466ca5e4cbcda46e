/**
 * The only source of randomness for privacy (PRIVACY.md "Randomness").
 *
 * Contracts:
 * - `cryptoRng` draws from `crypto.getRandomValues`, which exists in windows, workers and Node 20
 *   (`globalThis.crypto`); one call fills at most 65,536 bytes (the Web Crypto limit).
 * - `int(n)` rejects words at or above the largest multiple of n below 2^32, so every residue is
 *   equally likely (no modulo bias); at most half the words are rejected, so the loop is short.
 * - `real()` is 53 random bits / 2^53: every double in [0, 1) on that grid, never 1.
 * - `seededRandom` is for tests and auditors: the same interface, deterministic. Production code
 *   never takes it by default; only an explicit `rng` argument selects it.
 */
import { EdsegError } from '../errors.js';

/** A source of uniform random words and the draws PRIVACY.md builds on them. */
export interface Rng {
  /** A uniform integer in [0, 2^32). */
  uint32(): number;
  /** A uniform integer in [0, n), 1 <= n <= 2^32, by rejection sampling. */
  int(n: number): number;
  /** A uniform real in [0, 1): 53 random bits / 2^53. */
  real(): number;
  /** true with probability p: one real() compared with p. */
  bernoulli(p: number): boolean;
}

const TWO_32 = 4294967296;
const TWO_26 = 67108864;
const TWO_53 = 9007199254740992;

/** Words at or above this bound are rejected by int(n): the largest multiple of n not above 2^32. */
export function rejectionLimit(n: number): number {
  return TWO_32 - (TWO_32 % n);
}

/** An Rng over any source of uniform 32-bit words: the draws above, built on `next` (for auditors plugging in their own stream, and tests). */
export function rngFromWords(next: () => number): Rng {
  const rng: Rng = {
    uint32: next,
    int(n) {
      if (!(Number.isInteger(n) && n >= 1 && n <= TWO_32))
        throw new EdsegError('invalid-input', `edseg: int(n) needs an integer n in [1, 2^32], got ${n}`, 'n');
      const limit = rejectionLimit(n);
      let x = next();
      while (x >= limit) x = next();
      return x % n;
    },
    real: () => ((next() >>> 5) * TWO_26 + (next() >>> 6)) / TWO_53,
    bernoulli: (p) => rng.real() < p,
  };
  return rng;
}

// 16,384 words = 65,536 bytes: the most one getRandomValues call may fill.
const POOL_WORDS = 16384;
let pool: Uint32Array | null = null;
let poolPos = POOL_WORDS;

function cryptoWord(): number {
  if (pool === null || poolPos >= POOL_WORDS) {
    const c = (globalThis as { crypto?: Crypto }).crypto;
    if (!c || typeof c.getRandomValues !== 'function')
      throw new Error('edseg: crypto.getRandomValues is not available in this environment');
    pool ??= new Uint32Array(POOL_WORDS);
    c.getRandomValues(pool);
    poolPos = 0;
  }
  return pool[poolPos++] as number;
}

/** The production generator: crypto.getRandomValues, buffered 64 KiB at a time. */
export const cryptoRng: Rng = rngFromWords(cryptoWord);

/**
 * A deterministic generator for tests: sfc32 (Doty-Humphrey, PractRand) seeded through the
 * splitmix32/murmur3 finaliser so nearby seeds give unrelated streams. Not for production.
 */
export function seededRandom(seed: number): Rng {
  if (!Number.isFinite(seed))
    throw new EdsegError('invalid-input', 'edseg: seed must be a finite number', 'seed');
  let s = (Math.trunc(seed) ^ Math.trunc(seed / TWO_32)) | 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next();
  return rngFromWords(next);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `bytes` random bytes as lowercase hex (16 bytes -> 32 characters), e.g. for report ids. */
export function randomHex(bytes: number, rng: Rng = cryptoRng): string {
  let out = '';
  for (let i = 0; i < bytes; i += 4) {
    const w = rng.uint32();
    for (let j = 0; j < 4 && i + j < bytes; j++) out += HEX[(w >>> (8 * j)) & 0xff];
  }
  return out;
}
