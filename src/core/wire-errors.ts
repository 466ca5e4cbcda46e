/**
 * An error across the worker boundary (src/client/rpc.ts, worker/rpc.ts): the worker sends what it
 * threw as a plain object, the page rejects with an Error of the same name, message and stack, and an
 * EdsegError keeps its `code` and `field`. By name and code, not by class: the worker's bundle has its
 * own copy of the class. A thrown value that is not an Error crosses as it is (structured clone).
 */
import { EdsegError, type EdsegErrorCode } from './errors.js';

export type WireError =
  | { error: true; name: string; message: string; stack?: string; code?: string; field?: string }
  | { error: false; value: unknown };

/** What the worker sends for a thrown `e`. */
export function toWire(e: unknown): WireError {
  if (!(e instanceof Error)) return { error: false, value: e };
  const { name, message, stack } = e;
  const { code, field } = e as Partial<EdsegError>;
  return name === 'EdsegError' && typeof code === 'string'
    ? { error: true, name, message, stack, code, field }
    : { error: true, name, message, stack };
}

/** What the page rejects with for what the worker sent. */
export function fromWire(w: WireError): unknown {
  if (!w.error) return w.value;
  const e =
    w.name === 'EdsegError' && w.code
      ? new EdsegError(w.code as EdsegErrorCode, w.message, w.field)
      : Object.assign(new Error(w.message), { name: w.name });
  if (w.stack) e.stack = w.stack;
  return e;
}
