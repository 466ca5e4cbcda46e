/**
 * The page's early read (src/client/early.ts pageEarly) gives up after 3 s (the worker's own limit on
 * its store); a read that ended leaves no timer behind it.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { pageEarly } from '../../../src/client/early.js';

const config = { site: 'lingua-kids', pageGpc: false } as unknown as Parameters<typeof pageEarly>[0];
const deps = (idb: IDBFactory | undefined) => ({
  idb,
  now: () => 0,
  origin: 'https://a.example',
  gpc: () => false,
});

afterEach(() => void vi.useRealTimers());

it('a read that ends clears its 3 s limit', async () => {
  vi.useFakeTimers();
  const read = pageEarly(config, deps(undefined), () => true); // no IndexedDB: it ends at once
  await expect(read.settled).resolves.toBeNull();
  expect(vi.getTimerCount()).toBe(0);
});

it('a read that does not end is given up after 3 s, and nothing is released after that', async () => {
  vi.useFakeTimers();
  let answer: (names: IDBDatabaseInfo[]) => void = () => {};
  const idb = {
    databases: () => new Promise<IDBDatabaseInfo[]>((r) => (answer = r)),
  } as unknown as IDBFactory;
  const released: unknown[] = [];
  const read = pageEarly(config, deps(idb), (r) => (released.push(r), true));
  await vi.advanceTimersByTimeAsync(3_000);
  await expect(read.settled).resolves.toBeNull();
  answer([]);
  await vi.advanceTimersByTimeAsync(0);
  expect(released).toEqual([]);
});
