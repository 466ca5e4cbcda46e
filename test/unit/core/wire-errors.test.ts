/**
 * The worker RPC (src/client/rpc.ts, worker/rpc.ts) over a real MessageChannel, and its errors
 * (src/core/wire-errors.ts): an EdsegError keeps its code and field by its name, not its class (a
 * worker bundle may carry its own copy of the class); other errors keep name, message and stack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { proxy, releaseProxy, wrap } from '../../../src/client/rpc.js';
import { EdsegError } from '../../../src/core/errors.js';
import { fromWire, toWire } from '../../../src/core/wire-errors.js';
import { expose } from '../../../worker/rpc.js';

/** Another bundle's EdsegError: the same shape, another class. */
class ForeignEdsegError extends Error {
  readonly code = 'forgotten';
  readonly field = 'storage';
  constructor(message: string) {
    super(message);
    this.name = 'EdsegError';
  }
}

type Api = {
  add(a: number, b: number): Promise<number>;
  echo(v: unknown): unknown;
  fail(kind: string): Promise<never>;
  later(cb: (n: number, s: string) => void): Promise<void>;
  notCloneable(): Promise<unknown>;
  version: string;
};

const ports: MessagePort[] = [];
afterEach(() => {
  while (ports.length) ports.pop()!.close();
});

function connect(): { remote: ReturnType<typeof wrap<Api>>; calls: string[] } {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const calls: string[] = [];
  const api: Api = {
    async add(a, b) {
      calls.push('add');
      return a + b;
    },
    echo: (v) => (calls.push('echo'), v),
    async fail(kind) {
      if (kind === 'edseg') throw new ForeignEdsegError('gone');
      if (kind === 'type') throw new TypeError('plain');
      throw { reason: 'not an error' };
    },
    async later(cb) {
      cb(1, 'one');
      cb(2, 'two');
    },
    async notCloneable() {
      return () => 1;
    },
    version: '1.2.3',
  };
  expose(api, port2);
  port2.start();
  port1.start();
  return { remote: wrap<Api>(port1), calls };
}

describe('the worker RPC', () => {
  it('calls methods in order and answers each with its result, structured-cloned', async () => {
    const { remote, calls } = connect();
    const date = new Date(0);
    const [sum, echoed] = await Promise.all([remote.add(2, 3), remote.echo({ date, list: [1, [2]] })]);
    expect(sum).toBe(5);
    expect(echoed).toEqual({ date, list: [1, [2]] });
    expect(calls).toEqual(['add', 'echo']);
    expect(await remote.version).toBe('1.2.3');
    expect(await Promise.resolve((remote as unknown as Record<string, unknown>).missing)).toBeUndefined();
  });

  it('runs a proxied callback on the page with each call the worker makes', async () => {
    const { remote } = connect();
    const heard: [number, string][] = [];
    const got = new Promise<void>((resolve) => {
      const cb = proxy((n: number, s: string) => {
        heard.push([n, s]);
        if (heard.length === 2) resolve();
      });
      void remote.later(cb);
    });
    await got;
    expect(heard).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
  });

  it("rejects with another bundle's EdsegError as an EdsegError, its code and field kept", async () => {
    const { remote } = connect();
    const e = await remote.fail('edseg').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EdsegError);
    expect(e).toMatchObject({ code: 'forgotten', field: 'storage', message: 'gone' });
  });

  it('keeps other errors by name, message and stack, and a thrown non-error as it is', async () => {
    const { remote } = connect();
    const e = await remote.fail('type').catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(EdsegError);
    expect(e).toMatchObject({ name: 'TypeError', message: 'plain' });
    expect((e as Error).stack).toMatch(/plain/);
    await expect(remote.fail('value')).rejects.toEqual({ reason: 'not an error' });
    await expect(remote.notCloneable()).rejects.toThrow(
      'notCloneable() answered a value that cannot be cloned',
    );
    await expect(
      (remote as unknown as Record<string, () => Promise<unknown>>).nothing!(),
    ).rejects.toMatchObject({
      name: 'TypeError',
    });
  });

  it('rejects every call after the remote is released', async () => {
    const { remote } = connect();
    remote[releaseProxy]();
    await expect(remote.add(1, 1)).rejects.toThrow(/released/);
  });

  it('round-trips errors through their wire form', () => {
    expect(fromWire(structuredClone(toWire(new ForeignEdsegError('x'))))).toBeInstanceOf(EdsegError);
    expect(toWire(new Error('y'))).not.toHaveProperty('code');
    expect(fromWire(toWire(42))).toBe(42);
  });
});
