/**
 * The RPC (src/client/rpc.ts, worker/rpc.ts) with values structured clone refuses: a rejection the
 * worker cannot clone still answers (with a TypeError naming the method; comlink answered such a call
 * too), and a call whose arguments cannot be cloned rejects without keeping its callback's port open.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { proxy, wrap } from '../../../src/client/rpc.js';
import { expose } from '../../../worker/rpc.js';

type Api = { failOdd(): Promise<never>; echo(v: unknown, cb?: () => void): unknown };
const ports: MessagePort[] = [];
afterEach(() => {
  vi.unstubAllGlobals();
  while (ports.length) ports.pop()!.close();
});
function connect() {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const api: Api = {
    async failOdd() {
      throw { reason: 'not an error', retry: () => 1 }; // a non-Error holding a function
    },
    echo: (v) => v,
  };
  expose(api, port2);
  port2.start();
  port1.start();
  return wrap<Api>(port1);
}
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    new Promise((r) => setTimeout(() => r('no answer'), ms)),
  ]);

it('answers a call whose rejection cannot be cloned (rejects, does not hang)', async () => {
  const remote = connect();
  expect(await within(remote.failOdd(), 500)).toBe('rejected');
  await expect(remote.failOdd()).rejects.toMatchObject({
    name: 'TypeError',
    message: 'edseg: failOdd() threw a value that cannot be cloned',
  });
});

it('closes the callback port of a call whose arguments cannot be cloned', async () => {
  const made: MessagePort[] = [];
  const Real = MessageChannel;
  const remote = connect();
  vi.stubGlobal(
    'MessageChannel',
    class extends Real {
      constructor() {
        super();
        made.push(this.port1, this.port2);
        for (const p of [this.port1, this.port2]) vi.spyOn(p, 'close');
      }
    },
  );
  const cb = proxy(() => {});
  await expect(remote.echo({ f: () => 1 }, cb)).rejects.toThrow(/clone/i);
  expect(made).toHaveLength(2);
  expect(made[1]!.close).toHaveBeenCalled(); // the port that was to cross; its pair is disentangled
  vi.unstubAllGlobals();
  expect(await remote.echo('still answers')).toBe('still answers');
});
