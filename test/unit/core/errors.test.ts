/**
 * One error vocabulary for the SDK: EDSEG_ERROR_CODES holds exactly the codes the client, the worker
 * and the core they use throw or reject with, EdsegErrorCode is derived from it, and the SDK's
 * README lists exactly these codes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { EDSEG_ERROR_CODES, EdsegError, type EdsegErrorCode } from '../../../src/core/errors.js';

/** The SDK's README, whose API section lists the error codes (from the repo root). */
const SDK_README = 'packages/edseg/README.md';

const root = join(import.meta.dirname, '..', '..', '..');
/** Where the SDK's code lives: the main thread, the worker and the pure logic they share. */
const SDK = ['src/client', 'worker', 'src/core'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : [];
  });
}

/** Every code an `EdsegError` is constructed with, written out, in the SDK's sources. */
const thrown = new Set(
  SDK.flatMap((d) => sources(join(root, d))).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/new EdsegError\(\s*'([a-z-]+)'/g)].map((m) => m[1]!),
  ),
);

/** The codes of the README's sentence "Errors are `EdsegError { code, field, message }` with codes `a`, `b`, …". */
function readmeCodes(): string[] {
  const text = readFileSync(join(root, SDK_README), 'utf8');
  const sentence = /Errors are `EdsegError \{ code, field, message \}` with codes ([^.]*)\./.exec(text);
  expect(sentence, `${SDK_README} names the error codes`).not.toBeNull();
  return [...sentence![1]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
}

describe('the SDK error codes', () => {
  it('EdsegErrorCode is derived from EDSEG_ERROR_CODES', () => {
    expectTypeOf<EdsegErrorCode>().toEqualTypeOf<(typeof EDSEG_ERROR_CODES)[number]>();
    expectTypeOf<EdsegError['code']>().toEqualTypeOf<EdsegErrorCode>();
    expectTypeOf<typeof EDSEG_ERROR_CODES>().toEqualTypeOf<
      readonly [
        'invalid-input',
        'worker-timeout',
        'worker-crashed',
        'worker-unavailable',
        'closed',
        'forgotten',
      ]
    >();
  });

  it('lists each code once', () => {
    expect(new Set(EDSEG_ERROR_CODES).size).toBe(EDSEG_ERROR_CODES.length);
  });

  it('are exactly the codes the SDK throws', () => {
    expect(thrown.size).toBeGreaterThan(3); // the scan itself works
    expect([...thrown].sort()).toEqual([...EDSEG_ERROR_CODES].sort());
  });

  it(`are exactly the codes ${SDK_README} lists`, () => {
    const listed = readmeCodes();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...EDSEG_ERROR_CODES].sort());
  });
});
