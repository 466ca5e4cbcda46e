/**
 * The worker's engine is a bundle of its own (scripts/lazy-engine.mjs), with its own copy of the
 * EdsegError class: the transfer handler keeps an error's code and field by its name, not its class.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { describe, expect, it } from 'vitest';
import { EdsegError } from '../../../src/core/errors.js';
import { installErrorTransfer } from '../../../src/core/wire-errors.js';

/** Another bundle's EdsegError: the same shape, another class. */
class ForeignEdsegError extends Error {
  readonly code = 'forgotten';
  readonly field = 'storage';
  constructor(message: string) {
    super(message);
    this.name = 'EdsegError';
  }
}

describe('the EdsegError transfer', () => {
  it("keeps the code and field of another bundle's EdsegError", () => {
    installErrorTransfer();
    const h = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
    const [wire] = h.serialize({ value: new ForeignEdsegError('gone') });
    let thrown: unknown;
    try {
      h.deserialize(structuredClone(wire));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EdsegError);
    expect(thrown).toMatchObject({ code: 'forgotten', field: 'storage', message: 'gone' });
  });

  it('leaves other errors as comlink has them', () => {
    installErrorTransfer();
    const h = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
    const [wire] = h.serialize({ value: new TypeError('plain') });
    let thrown: unknown;
    try {
      h.deserialize(structuredClone(wire));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).not.toBeInstanceOf(EdsegError);
    expect(thrown).toMatchObject({ name: 'TypeError', message: 'plain' });
  });
});
