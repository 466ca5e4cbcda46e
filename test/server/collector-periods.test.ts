/**
 * Issue 19 point 5: the collector refuses (400 naming reports.N.period) a report whose period starts
 * before the period before the one its version was published in, and a batch naming more than
 * MAX_BATCH_PERIODS distinct periods, so 30 requests cannot create thousands of report partitions
 * (on main, 30 batches of 99 periods back to 1970 created about 2,970).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, dayOf, periodOf } from '../../src/core/schema.js';
import type { Report } from '../../src/core/schema.js';
import { MAX_BATCH_PERIODS } from '../../src/server/ingest/reports.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import { NOW, json, sampleReports, useServer } from './helpers.js';

const s = useServer();
beforeEach(() => {
  s.clock.now = NOW;
});

const post = (reports: unknown[]) => s.app.request('/v1/reports', json('POST', { reports }));
const partitions = async (): Promise<number> => {
  const rows = await (s.store as SqlStore).db.query<{ n: number }>(
    "select count(*)::int as n from pg_inherits where inhparent = 'reports'::regclass",
  );
  return rows[0]!.n;
};
let seed = 900;
/** `n` fresh reports under the current version, the i-th for `periodOf(i)`. */
const batch = async (n: number, period: (i: number) => number): Promise<Report[]> =>
  sampleReports(await s.manifest(), n, seed++).map((r, i) => ({ ...r, period: period(i) }));

describe('periods a report may name', () => {
  it('30 requests of periods back to 1970 create no partition and store nothing', async () => {
    const before = { partitions: await partitions(), reports: await s.store.countReports('lingua-kids') };
    for (let req = 0; req < 30; req++) {
      // one week each, 99 a request: the attack of the issue, 2,970 distinct weekly periods
      const reports = await batch(99, (i) => (req * 99 + i) * 7);
      const res = await post(reports);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toMatch(/^reports\.\d+\.period$/);
    }
    expect(await partitions()).toBe(before.partitions);
    expect(await s.store.countReports('lingua-kids')).toBe(before.reports);
  });

  it('refuses a period before the one before its version was published, naming reports.N.period', async () => {
    const published = (await s.store.currentVersion('lingua-kids'))!.publishedAt;
    const first = periodOf(dayOf(Date.parse(published)), 7) - 7;
    const [ok] = await batch(1, () => first);
    expect((await post([ok])).status).toBe(202);
    const [early] = await batch(1, () => first - 7);
    const res = await post([early]);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'reports.0.period' });
  });

  it(`refuses a batch naming more than ${MAX_BATCH_PERIODS} distinct periods, and takes ${MAX_BATCH_PERIODS}`, async () => {
    // A version a long time in the past: every period since is one its devices could report.
    s.clock.now = new Date(NOW.getTime() + 400 * DAY_MS);
    const current = periodOf(dayOf(s.clock.now.getTime()), 7);
    const before = await partitions();
    const five = await batch(10, (i) => current - (i % (MAX_BATCH_PERIODS + 1)) * 7);
    const res = await post(five);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: `reports.${MAX_BATCH_PERIODS}.period` });
    expect(await partitions()).toBe(before);
    const four = await batch(10, (i) => current - (i % MAX_BATCH_PERIODS) * 7);
    expect((await post(four)).status).toBe(202);
    expect(await partitions()).toBeLessThanOrEqual(before + MAX_BATCH_PERIODS);
  });
});
