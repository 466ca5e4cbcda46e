/**
 * Comlink's own `throw` handler keeps only name, message and stack of an Error. Both sides install
 * this wrapper so an EdsegError thrown in the worker reaches the page with its `code` and `field`.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { EdsegError, type EdsegErrorCode } from './errors.js';

type Serialized = {
  isError: boolean;
  value: { message?: string; name?: string; stack?: string; code?: string; field?: string } | unknown;
};

let installed = false;

/** Installs the EdsegError-preserving `throw` handler (idempotent). */
export function installErrorTransfer(): void {
  if (installed) return;
  const base = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, Serialized>;
  transferHandlers.set('throw', {
    canHandle: base.canHandle,
    serialize(thrown: { value: unknown }) {
      const [serialized, transfers] = base.serialize(thrown);
      const v = thrown.value;
      // By name and code, not by class: the worker's engine is a bundle of its own, with its own copy of the class.
      if (v instanceof Error && v.name === 'EdsegError' && typeof (v as EdsegError).code === 'string')
        (serialized.value as Record<string, unknown>) = {
          ...(serialized.value as object),
          code: (v as EdsegError).code,
          field: (v as EdsegError).field,
        };
      return [serialized, transfers];
    },
    deserialize(serialized: Serialized) {
      const v = serialized.value as { message?: string; name?: string; code?: string; field?: string };
      if (serialized.isError && v && v.name === 'EdsegError' && v.code) {
        throw new EdsegError(v.code as EdsegErrorCode, v.message ?? 'edseg error', v.field);
      }
      return base.deserialize(serialized);
    },
  } as TransferHandler<unknown, unknown>);
  installed = true;
}
