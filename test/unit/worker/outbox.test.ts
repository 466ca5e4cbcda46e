import { describe, expect, it } from 'vitest';
import { backoffMs, deliver, retryAfterMs, type DeliveryDeps } from '../../../worker/outbox.js';
import { MemoryStore } from '../../../worker/store.js';
import { seededRandom } from '../../../src/core/privacy/random.js';
import type { OutboxItem } from '../../../src/core/schema.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const S = 1000;
const HOUR = 3_600_000;

/** One answer of the fake collector: a status with headers, or 'offline' (the request fails). */
type Answer = { status: number; headers?: Record<string, string> } | 'offline';

/** A memory outbox, a clock at T0 and a collector answering from `answers` (202 once they run out). */
function world(answers: Answer[] = [], seed = 1) {
  const store = new MemoryStore();
  const posted: string[][] = [];
  const w = {
    store,
    posted,
    clock: T0,
    deps: {} as DeliveryDeps,
    async queue(id: string, over: Partial<OutboxItem> = {}) {
      const report = { id, period: 1, epsilon: 1, segments: [] } as unknown as OutboxItem['report'];
      await store.putOutbox({ id, report, createdAt: T0, attempts: 0, nextAttemptAt: 0, ...over });
    },
    async item(id: string) {
      return (await store.outbox()).find((i) => i.id === id);
    },
  };
  w.deps = {
    url: 'https://c.example/v1/reports',
    now: () => w.clock,
    rng: seededRandom(seed),
    log: async () => {},
    fetch: (async (_url: string, init?: RequestInit) => {
      posted.push((JSON.parse(String(init?.body)) as { reports: { id: string }[] }).reports.map((r) => r.id));
      const a = answers.shift() ?? { status: 202 };
      if (a === 'offline') throw new TypeError('Failed to fetch');
      return new Response('{}', { status: a.status, headers: a.headers ?? {} });
    }) as typeof fetch,
  };
  return w;
}

describe('outbox: Retry-After', () => {
  it('a 503 with Retry-After: 2 is next tried exactly 2 s later, not after the 30 s backoff', async () => {
    const w = world([{ status: 503, headers: { 'retry-after': '2' } }]);
    await w.queue('a');
    expect(await deliver(w.store, w.deps)).toEqual({ sent: 0, pending: 1, next: T0 + 2 * S });
    expect(await w.item('a')).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 2 * S, offline: false });
    w.clock = T0 + 2 * S - 1;
    expect((await deliver(w.store, w.deps)).sent).toBe(0);
    expect(w.posted).toHaveLength(1);
    w.clock = T0 + 2 * S;
    expect(await deliver(w.store, w.deps)).toEqual({ sent: 1, pending: 0, next: null });
  });

  it('a 429 with an HTTP date is next tried at that date', async () => {
    const at = T0 + 95 * S;
    const w = world([{ status: 429, headers: { 'retry-after': new Date(at).toUTCString() } }]);
    await w.queue('a');
    await deliver(w.store, w.deps);
    expect((await w.item('a'))?.nextAttemptAt).toBe(at);
  });

  it('a Retry-After beyond 1 h is capped at 1 h, one in the past means now', async () => {
    const w = world([
      { status: 503, headers: { 'retry-after': '86400' } },
      { status: 503, headers: { 'retry-after': new Date(T0 - HOUR).toUTCString() } },
    ]);
    await w.queue('a');
    await deliver(w.store, w.deps);
    expect((await w.item('a'))?.nextAttemptAt).toBe(T0 + HOUR);
    w.clock = T0 + HOUR;
    await deliver(w.store, w.deps);
    expect((await w.item('a'))?.nextAttemptAt).toBe(T0 + HOUR);
  });

  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('0', T0)).toBe(0);
    expect(retryAfterMs(' 7 ', T0)).toBe(7 * S);
    expect(retryAfterMs('Wed, 25 Nov 2026 12:00:30 GMT', T0)).toBe(30 * S);
    expect(retryAfterMs('Wednesday, 25-Nov-26 12:01:00 GMT', T0)).toBe(60 * S);
    for (const bad of [null, '', '1.5', '-3', 'soon', '2 s']) expect(retryAfterMs(bad, T0)).toBeNull();
  });

  it('Retry-After is read only on 429 and 503: a 500 carrying one backs off with jitter', async () => {
    const w = world([{ status: 500, headers: { 'retry-after': '2' } }], 5);
    await w.queue('a');
    await deliver(w.store, w.deps);
    expect((await w.item('a'))?.nextAttemptAt).toBe(T0 + backoffMs(0, seededRandom(5)));
  });
});

describe('outbox: exponential backoff with full jitter', () => {
  it('each failure waits a draw of the engine Rng in [0, min(6 h, 30 s * 2^attempts)]', async () => {
    const failures = 14;
    const answers: Answer[] = Array.from({ length: failures }, (_, k) =>
      k % 2 ? 'offline' : { status: 500 },
    );
    const w = world(answers, 11);
    const same = seededRandom(11);
    await w.queue('a');
    const caps: number[] = [];
    for (let k = 0; k < failures; k++) {
      const before = w.clock;
      await deliver(w.store, w.deps);
      const item = (await w.item('a'))!;
      const cap = Math.min(6 * HOUR, 30 * S * 2 ** k);
      caps.push(cap);
      expect(item.attempts).toBe(k + 1);
      expect(item.nextAttemptAt - before).toBe(backoffMs(k, same)); // the draw comes from deps.rng
      expect(item.nextAttemptAt - before).toBeGreaterThanOrEqual(0);
      expect(item.nextAttemptAt - before).toBeLessThanOrEqual(cap);
      expect(item.offline).toBe(k % 2 === 1);
      w.clock = item.nextAttemptAt;
    }
    expect(caps.slice(0, 4)).toEqual([30 * S, 60 * S, 120 * S, 240 * S]);
    expect(caps.at(-1)).toBe(6 * HOUR);
  });

  it('is full jitter: the draws spread over the whole of [0, cap]', () => {
    const rng = seededRandom(3);
    for (const attempts of [0, 3, 20]) {
      const cap = Math.min(6 * HOUR, 30 * S * 2 ** attempts);
      const draws = Array.from({ length: 400 }, () => backoffMs(attempts, rng));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThanOrEqual(cap);
      expect(Math.min(...draws)).toBeLessThan(cap * 0.02);
      expect(Math.max(...draws)).toBeGreaterThan(cap * 0.98);
      expect(draws.every(Number.isInteger)).toBe(true);
    }
  });

  it('a success resets the backoff of the reports still queued', async () => {
    const w = world();
    await w.queue('due', { createdAt: T0 - 1 });
    await w.queue('waiting', { attempts: 6, nextAttemptAt: T0 + HOUR });
    await w.queue('offline', { attempts: 2, nextAttemptAt: T0 + 90 * S, offline: true });
    expect(await deliver(w.store, w.deps)).toEqual({ sent: 1, pending: 2, next: 0 });
    expect(w.posted).toEqual([['due']]);
    for (const id of ['waiting', 'offline'])
      expect(await w.item(id)).toMatchObject({ attempts: 0, nextAttemptAt: 0, offline: false });
    expect(await deliver(w.store, w.deps)).toEqual({ sent: 2, pending: 0, next: null });
  });

  it('a 410 still drops the report as version-retired, with no retry', async () => {
    const w = world([{ status: 410, headers: { 'retry-after': '2' } }]);
    await w.queue('a');
    expect(await deliver(w.store, w.deps)).toEqual({ sent: 0, pending: 0, next: null });
  });
});

describe('outbox: the online trigger', () => {
  it('tries a report that failed offline before its wait is over, not one a Retry-After or a 5xx holds', async () => {
    const w = world(['offline', { status: 503, headers: { 'retry-after': '600' } }, { status: 500 }]);
    await w.queue('offline', { createdAt: 1 });
    await deliver(w.store, w.deps);
    await w.queue('asked', { createdAt: 2 });
    await deliver(w.store, w.deps);
    await w.queue('failed', { createdAt: 3 });
    await deliver(w.store, w.deps);
    expect(w.posted).toEqual([['offline'], ['asked'], ['failed']]);
    expect((await w.item('offline'))!.nextAttemptAt).toBeGreaterThan(T0);
    expect(await deliver(w.store, w.deps)).toMatchObject({ sent: 0, pending: 3 });
    expect(await deliver(w.store, w.deps, true)).toMatchObject({ sent: 1, pending: 2 });
    expect(w.posted.at(-1)).toEqual(['offline']);
  });
});
