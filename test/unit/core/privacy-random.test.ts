import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cryptoRng,
  randomHex,
  rejectionLimit,
  rngFromWords,
  seededRandom,
} from '../../../src/core/privacy/random.js';
import { EdsegError } from '../../../src/core/errors.js';

const TWO_32 = 2 ** 32;

/** An Rng that replays the given words (then fails), to drive int() through known values. */
function scripted(words: number[]) {
  let i = 0;
  return rngFromWords(() => {
    if (i >= words.length) throw new Error('ran out of scripted words');
    return words[i++] as number;
  });
}

afterEach(() => vi.restoreAllMocks());

describe('rejection sampling in int(n)', () => {
  it('rejects at the largest multiple of n not above 2^32', () => {
    for (const n of [1, 2, 3, 5, 6, 7, 10, 1000, 3 * 2 ** 30, 2 ** 31 + 1, TWO_32 - 1, TWO_32]) {
      const limit = rejectionLimit(n);
      expect(limit % n).toBe(0);
      expect(limit).toBeLessThanOrEqual(TWO_32);
      expect(TWO_32 - limit).toBeLessThan(n);
    }
  });

  it('never rejects when n is a power of two', () => {
    for (const n of [1, 2, 1024, 2 ** 31, TWO_32]) expect(rejectionLimit(n)).toBe(TWO_32);
  });

  it('skips words at or above the limit and reduces the first word below it', () => {
    const n = 2 ** 31 + 1; // limit = 2^31 + 1: almost half the words are rejected
    const rng = scripted([2 ** 31 + 1, TWO_32 - 1, 2 ** 31]);
    expect(rng.int(n)).toBe(2 ** 31);
  });

  it('accepts the word just below the limit', () => {
    const rng = scripted([rejectionLimit(3) - 1]);
    expect(rng.int(3)).toBe((rejectionLimit(3) - 1) % 3);
  });

  it('throws an EdsegError naming n for n outside [1, 2^32]', () => {
    for (const n of [0, -1, 1.5, TWO_32 + 1, Number.NaN]) {
      expect(() => cryptoRng.int(n)).toThrow(EdsegError);
    }
  });
});

describe('real()', () => {
  it('is 0 for all-zero words and the largest double below 1 for all-one words', () => {
    expect(scripted([0, 0]).real()).toBe(0);
    expect(scripted([TWO_32 - 1, TWO_32 - 1]).real()).toBe(1 - 2 ** -53);
  });

  it('uses 27 bits of the first word and 26 of the second', () => {
    expect(scripted([2 ** 5, 0]).real()).toBe(2 ** -27);
    expect(scripted([2 ** 4, 2 ** 5]).real()).toBe(0);
    expect(scripted([0, 2 ** 6]).real()).toBe(2 ** -53);
  });
});

describe('bernoulli()', () => {
  it('is never true at p = 0 and always true at p = 1', () => {
    const rng = seededRandom(1);
    for (let i = 0; i < 10_000; i++) {
      expect(rng.bernoulli(0)).toBe(false);
      expect(rng.bernoulli(1)).toBe(true);
    }
  });
});

describe('cryptoRng', () => {
  it('draws from globalThis.crypto.getRandomValues, at most 65,536 bytes a call', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    for (let i = 0; i < 40_000; i++) cryptoRng.uint32();
    expect(spy).toHaveBeenCalled();
    for (const [array] of spy.mock.calls)
      expect((array as ArrayBufferView).byteLength).toBeLessThanOrEqual(65_536);
  });

  it('never calls Math.random', () => {
    const spy = vi.spyOn(Math, 'random');
    for (let i = 0; i < 40_000; i++) {
      cryptoRng.int(7);
      cryptoRng.real();
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('returns 32-bit unsigned integers that vary', () => {
    const words = Array.from({ length: 1000 }, () => cryptoRng.uint32());
    expect(words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32)).toBe(true);
    expect(new Set(words).size).toBeGreaterThan(990);
  });
});

describe('seededRandom', () => {
  it('replays the same stream for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 1000; i++) expect(a.uint32()).toBe(b.uint32());
  });

  it('gives unrelated streams for neighbouring seeds', () => {
    const a = seededRandom(1);
    const b = seededRandom(2);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (a.uint32() === b.uint32()) same++;
    expect(same).toBeLessThan(3);
  });
});

describe('randomHex', () => {
  it('turns 16 bytes into 32 lowercase hex characters', () => {
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(3, seededRandom(1))).toMatch(/^[0-9a-f]{6}$/);
  });

  it('gives different ids on each call', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomHex(16)));
    expect(ids.size).toBe(1000);
  });
});

describe('no Math.random in shipped code', () => {
  function files(dir: string): string[] {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    return entries.flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : /\.(ts|js|mjs)$/.test(name) ? [path] : [];
    });
  }

  it('does not appear in any file under src/ or worker/', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    const offenders = [...files(join(root, 'src')), ...files(join(root, 'worker'))].filter((f) =>
      readFileSync(f, 'utf8').includes('Math.random'),
    );
    expect(offenders).toEqual([]);
  });
});
