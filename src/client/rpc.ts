/**
 * The page's end of the worker RPC (the worker's: worker/rpc.ts), what edseg used of comlink in a
 * few hundred bytes (issue 24: comlink cost the main thread about 1.5 KB gzip):
 * - `wrap(worker)`: a typed remote whose every method posts one message `{ id, key, args }` and
 *   resolves with the worker's answer, or rejects with what it threw (src/core/wire-errors.ts: an
 *   EdsegError keeps its code and field); awaiting a property (`await remote.x`) asks for its value;
 * - `proxy(fn)`: a callback argument; it crosses as a MessagePort (transferred), and each call the
 *   worker makes of it runs `fn` on the page with the arguments, structured-cloned;
 * - `remote[releaseProxy]()`: the remote stops listening; a later call rejects.
 * Arguments and results are structured-cloned, as with postMessage; the worker takes messages in order.
 */
import { fromWire, type WireError } from '../core/wire-errors.js';

/** The methods of T, each answering with a promise. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : Promise<T[K]>;
} & { [releaseProxy]: () => void };

export const releaseProxy: unique symbol = Symbol('edseg.releaseProxy');
const callbacks = new WeakSet<object>();

/** Marks `fn` to be passed to the worker as a callback (it is not cloneable otherwise). */
export function proxy<F extends (...args: never[]) => unknown>(fn: F): F {
  callbacks.add(fn);
  return fn;
}

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
type Endpoint = Pick<Worker, 'postMessage' | 'addEventListener' | 'removeEventListener'>;

export function wrap<T>(ep: Endpoint): Remote<T> {
  let last = 0;
  let released = false;
  const pending = new Map<number, [(v: unknown) => void, (e: unknown) => void]>();
  const onMessage = ({ data }: MessageEvent<Answer>) => {
    const p = pending.get(data?.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.ok) p[0](data.value);
    else p[1](fromWire(data.error));
  };
  ep.addEventListener('message', onMessage as EventListener);
  const send = (key: string, args?: unknown[]): Promise<unknown> => {
    if (released) return Promise.reject(new Error('edseg: the worker proxy was released'));
    const ports: MessagePort[] = [];
    const fns: number[] = [];
    const wire = args?.map((a, i) => {
      if (typeof a !== 'function' || !callbacks.has(a)) return a;
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = ({ data }: MessageEvent<unknown[]>) =>
        void (a as (...x: unknown[]) => unknown)(...data);
      ports.push(port2);
      fns.push(i);
      return port2;
    });
    return new Promise((resolve, reject) => {
      const id = ++last;
      try {
        ep.postMessage({ id, key, args: wire, fns }, ports);
      } catch (e) {
        // arguments that cannot be cloned (DataCloneError): nothing was sent, nothing is kept (closing
        // a callback's port2 disentangles its port1 too)
        for (const port of ports) port.close();
        throw e;
      }
      pending.set(id, [resolve, reject]);
    });
  };
  return new Proxy({} as Remote<T>, {
    get(_, key) {
      if (key === releaseProxy)
        return () => {
          released = true;
          ep.removeEventListener('message', onMessage as EventListener);
        };
      if (typeof key !== 'string' || key === 'then') return undefined;
      // a method call, or (awaited) the property's value
      const call = (...args: unknown[]) => send(key, args);
      return Object.assign(call, {
        then: (ok?: (v: unknown) => unknown, ko?: (e: unknown) => unknown) => send(key).then(ok, ko),
      });
    },
  });
}
