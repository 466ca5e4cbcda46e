/**
 * The worker's end of the RPC (the page's: src/client/rpc.ts): answers each `{ id, key, args }` by
 * calling `obj[key](...args)` at once, in message order (a message without args asks for the value
 * of `obj[key]`), and posts `{ id, ok, value }` once it resolves or `{ id, ok: false, error }` with
 * what it threw (src/core/wire-errors.ts). An argument the page passed as a callback arrives as a
 * MessagePort; calling it posts the arguments there (the page's answer is not awaited).
 */
import { toWire } from '../src/core/wire-errors.js';

type Call = { id: number; key: string; args?: unknown[]; fns?: number[] };
/** The worker's global scope, or a MessagePort (the tests' fake worker). */
type Endpoint = {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<Call>) => void): void;
};

export function expose(obj: object, ep: Endpoint = globalThis as unknown as Endpoint): void {
  ep.addEventListener('message', ({ data }: MessageEvent<Call>) => {
    if (typeof data?.id !== 'number' || typeof data.key !== 'string') return;
    const { id, key, args, fns = [] } = data;
    let answer: unknown;
    try {
      const target = (obj as Record<string, unknown>)[key];
      answer = args
        ? (target as (...a: unknown[]) => unknown).apply(
            obj,
            args.map((a, i) =>
              fns.includes(i) ? (...x: unknown[]) => (a as MessagePort).postMessage(x) : a,
            ),
          )
        : target;
    } catch (e) {
      answer = Promise.reject(e);
    }
    // A value structured clone refuses (DataCloneError) is answered with a TypeError: the call never hangs.
    const post = (ok: boolean, v: unknown) => {
      try {
        ep.postMessage(ok ? { id, ok, value: v } : { id, ok, error: toWire(v) });
      } catch {
        const what = ok ? 'answered' : 'threw';
        post(false, new TypeError(`edseg: ${key}() ${what} a value that cannot be cloned`));
      }
    };
    Promise.resolve(answer).then(
      (v) => post(true, v),
      (e) => post(false, e),
    );
  });
}
