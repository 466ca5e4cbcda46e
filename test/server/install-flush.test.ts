/**
 * The installation view's counters cost no database write per request: GET /v1/sites/:site/manifest
 * (unauthenticated) and refused POST /v1/reports count in memory (ingest/install-counts.ts), flushed
 * as one statement per flush: every installFlushMs, when the view is read, and on graceful shutdown.
 * The flush's origin bound is exact across concurrent flushes (an advisory lock), on PGlite and
 * PostgreSQL; a failed flush keeps its counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/runtime/start.js';
import { MAX_PENDING_COUNTERS, createInstallCounter } from '../../src/server/ingest/install-counts.js';
import type { Store } from '../../src/server/storage/store.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import type { InstallIncrement } from '../../src/server/storage/sql/installation.js';
import { MAX_ORIGINS_PER_HOUR, OTHER_ORIGIN, hourOf } from '../../src/server/storage/sql/installation.js';
import { seedDefinition, seedOrigins, seedPolicy } from '../../src/server/demo/seed.js';
import { pgliteBackend, postgresBackend } from './pg-harness.js';
import { ADMIN_TOKEN, NOW, SEED_SITE, appOf, sampleReports, useServer } from './helpers.js';

const H = hourOf(NOW.getTime());

/** The store with its batch writes counted. */
function counted(store: Store) {
  const calls: (readonly InstallIncrement[])[] = [];
  const wrapped: Store = {
    ...store,
    addInstallCounts: (rows) => {
      calls.push(rows);
      return store.addInstallCounts(rows);
    },
  };
  return { store: wrapped, calls };
}

const originCount = async (store: Store, origin: string) =>
  (await store.installCounts(SEED_SITE, H - 23)).find((c) => c.kind === 'origin' && c.key === origin)?.n ?? 0;

describe('counting in memory, one write per flush', () => {
  const s = useServer();
  const viewOf = (app: ReturnType<typeof appOf>) =>
    app.request(`/admin/api/sites/${SEED_SITE}/installation`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  it('300 manifest requests and 5 refusals write nothing until the flush, then one statement', async () => {
    const { store, calls } = counted(s.store);
    const app = appOf({ ...s, store }, { installFlushMs: 3_600_000 });
    const origins = Array.from({ length: 3 }, (_, i) => `https://many-${i}.example`);
    for (let i = 0; i < 300; i++) {
      const res = await app.request(`/v1/sites/${SEED_SITE}/manifest`, {
        headers: { Origin: origins[i % 3]! },
      });
      expect(res.status).toBe(200);
    }
    const bad = { ...sampleReports(await s.manifest(), 1, 3)[0]!, manifestVersion: 99 };
    for (let i = 0; i < 5; i++)
      expect(
        (await app.request('/v1/reports', { method: 'POST', body: JSON.stringify({ reports: [bad] }) }))
          .status,
      ).toBe(400);
    expect(calls).toHaveLength(0);
    expect(await originCount(s.store, origins[0]!)).toBe(0);
    // Reading the view flushes this process's counts first: one statement with every counter.
    expect((await viewOf(app)).status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(4);
    for (const o of origins) expect(await originCount(s.store, o)).toBe(100);
    const refused = (await s.store.installCounts(SEED_SITE, H - 23)).find((c) => c.key === 'unknown-version');
    expect(refused?.n).toBe(5);
    // Nothing pending: no statement at all.
    expect((await viewOf(app)).status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('flushes on its own every installFlushMs: another process sees the counts without reading its view', async () => {
    const { store, calls } = counted(s.store);
    const app = appOf({ ...s, store }, { installFlushMs: 150 });
    const origin = 'https://timer.example';
    const t0 = Date.now();
    for (let i = 0; i < 60; i++)
      await app.request(`/v1/sites/${SEED_SITE}/manifest`, { headers: { Origin: origin } });
    for (let i = 0; i < 40 && (await originCount(s.store, origin)) < 60; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await originCount(s.store, origin)).toBe(60);
    // At most one statement per elapsed flush period (plus the one under way), whatever the request count.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil((Date.now() - t0) / 150) + 1);
  });

  it('a failed flush keeps its counts for the next one', async () => {
    let fail = true;
    const store = {
      addInstallCounts: (rows: readonly InstallIncrement[]) =>
        fail ? Promise.reject(new Error('database down')) : s.store.addInstallCounts(rows),
    };
    const errors: string[] = [];
    const counter = createInstallCounter({ store, everyMs: 3_600_000, onError: (m) => errors.push(m) });
    const origin = 'https://retry.example';
    counter.manifestRequest(SEED_SITE, origin, H);
    await counter.flush();
    expect(errors).toHaveLength(1);
    counter.manifestRequest(SEED_SITE, origin, H);
    fail = false;
    await counter.close();
    expect(await originCount(s.store, origin)).toBe(2);
  });

  it('graceful shutdown flushes what was counted', async () => {
    const server = await startServer({
      port: 0,
      dataDir: `${s.dir}/shutdown-data`,
      store: s.store,
      adminToken: ADMIN_TOKEN,
      demo: false,
      now: () => s.clock.now,
      installFlushMs: 3_600_000,
    });
    const origin = 'https://shutdown.example';
    try {
      for (let i = 0; i < 7; i++) {
        const res = await fetch(`${server.url}/v1/sites/${SEED_SITE}/manifest`, {
          headers: { Origin: origin },
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      expect(await originCount(s.store, origin)).toBe(0);
    } finally {
      await server.close();
    }
    expect(await originCount(s.store, origin)).toBe(7);
  });
});

describe("the counter's memory is bounded between flushes", () => {
  const capture = () => {
    const calls: (readonly InstallIncrement[])[] = [];
    const errors: string[] = [];
    const counter = createInstallCounter({
      store: { addInstallCounts: async (rows) => void calls.push(rows) },
      everyMs: 3_600_000,
      onError: (m) => errors.push(m),
    });
    return { calls, errors, counter };
  };

  it(`holds at most ${MAX_ORIGINS_PER_HOUR} origins a site and hour, the rest as ${OTHER_ORIGIN}`, async () => {
    const { calls, counter } = capture();
    for (let i = 0; i < MAX_ORIGINS_PER_HOUR + 10; i++)
      counter.manifestRequest('s', `https://f-${i}.example`, H);
    counter.manifestRequest('s', 'https://f-0.example', H); // a held one still counts
    counter.manifestRequest('s', 'https://f-0.example', H + 1); // the next hour has its own room
    await counter.close();
    expect(calls).toHaveLength(1);
    const rows = calls[0]!.filter((r) => r.hour === H);
    expect(rows).toHaveLength(MAX_ORIGINS_PER_HOUR + 1);
    expect(rows.find((r) => r.key === OTHER_ORIGIN)?.n).toBe(10);
    expect(rows.find((r) => r.key === 'https://f-0.example')?.n).toBe(2);
    expect(calls[0]!.filter((r) => r.hour === H + 1)).toHaveLength(1);
  });

  it(`holds at most ${MAX_PENDING_COUNTERS} counters: forged site names in refusals cannot grow it`, async () => {
    const { calls, errors, counter } = capture();
    for (let i = 0; i < MAX_PENDING_COUNTERS + 5; i++) counter.refused(`forged-${i}`, 'invalid', H);
    counter.refused('forged-0', 'invalid', H); // a held one still counts
    await counter.flush();
    expect(calls[0]).toHaveLength(MAX_PENDING_COUNTERS);
    expect(calls[0]![0]!.n).toBe(2);
    expect(errors).toEqual([expect.stringContaining('dropped')]);
    await counter.close();
  });
});

describe.each([pgliteBackend(), postgresBackend()])('one flush statement on $name', (backend) => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await backend.open();
    const def = seedDefinition('2025-06-02');
    const base = { name: 'S', origins: seedOrigins(8787), definition: def, policy: seedPolicy(def.models) };
    await store.createSite({ id: 'site-b', ...base }, NOW.toISOString());
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });
  const rowsOf = (hour: number) =>
    store.db.query<{ key: string; n: string }>(
      `select key, n::text as n from install_counts where site = 'site-b' and hour = $1 and kind = 'origin' order by key`,
      [hour],
    );
  const origin = (i: number, n = 1, hour = H): InstallIncrement => ({
    site: 'site-b',
    hour,
    kind: 'origin',
    key: `https://o-${String(i).padStart(3, '0')}.example`,
    n,
  });

  it('a batch of new origins takes the room left, the most requested first, the rest as other', async () => {
    await store.addInstallCounts(Array.from({ length: MAX_ORIGINS_PER_HOUR - 2 }, (_, i) => origin(i)));
    // Room for 2: o-100 (5) and o-101 (4) take it; o-102 and o-103 count as other; o-000 is known.
    await store.addInstallCounts([
      origin(102, 3),
      origin(100, 5),
      origin(103, 2),
      origin(101, 4),
      origin(0, 6),
    ]);
    const rows = await rowsOf(H);
    expect(rows).toHaveLength(MAX_ORIGINS_PER_HOUR + 1);
    expect(rows.find((r) => r.key === origin(100).key)?.n).toBe('5');
    expect(rows.find((r) => r.key === origin(101).key)?.n).toBe('4');
    expect(rows.find((r) => r.key === OTHER_ORIGIN)?.n).toBe('5');
    expect(rows.find((r) => r.key === origin(0).key)?.n).toBe('7');
  });

  it(`concurrent flushes keep the bound exactly: ${MAX_ORIGINS_PER_HOUR} origins, no count lost`, async () => {
    const hour = H + 1;
    // Not an origin: the row the blocker holds does not count against the bound.
    const shared: InstallIncrement = { site: 'site-b', hour, kind: 'refused', key: 'invalid', n: 1 };
    const batches = Array.from({ length: 4 }, (_, b) => [
      shared,
      ...Array.from({ length: MAX_ORIGINS_PER_HOUR }, (_, i) => origin(b * 100 + i, 1, hour)),
    ]);
    const flushAll = () => Promise.all(batches.map((rows) => store.addInstallCounts(rows)));
    if (backend.name === 'postgres') {
      // Overlap forced: another connection's open transaction holds the shared row, so every flush
      // that starts its statement now waits on it with the snapshot it took (without the lock, each
      // would admit its 50 new origins).
      const raw = await backend.raw();
      try {
        let flushing!: Promise<unknown>;
        await raw.transaction(async (tx) => {
          await tx.query(
            `insert into install_counts (site, hour, kind, key, n) values ('site-b', $1, 'refused', $2, 1)`,
            [hour, shared.key],
          );
          flushing = flushAll();
          await new Promise((r) => setTimeout(r, 300));
        });
        await flushing;
      } finally {
        await raw.close();
      }
    } else await flushAll();
    const rows = await rowsOf(hour);
    expect(rows.filter((r) => r.key !== OTHER_ORIGIN)).toHaveLength(MAX_ORIGINS_PER_HOUR);
    expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(4 * MAX_ORIGINS_PER_HOUR);
  });

  it('writes nothing for a site that does not exist', async () => {
    await store.addInstallCounts([{ site: 'no-such', hour: H, kind: 'refused', key: 'invalid', n: 3 }]);
    const rows = await store.db.query<{ n: number }>(
      `select count(*)::integer as n from install_counts where site = 'no-such'`,
    );
    expect(rows[0]!.n).toBe(0);
  });
});
