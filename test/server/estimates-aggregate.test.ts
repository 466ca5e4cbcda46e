/**
 * Issue 12 points 1, 2 and 6: the estimators' sums kept in the database at ingest (report_totals),
 * on both back ends. Estimates from them equal the per-report estimator (test/fixtures/
 * estimate-reference.ts, the code of commit bfff1ec) to 1e-9, in total and period by period;
 * versions of one series pool their reports; reports are partitioned by period and retention drops
 * whole partitions; a database made by migration 1 migrates with its reports kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateFromStatistics } from '../../src/core/privacy/estimate.js';
import { statisticsOfTotals } from '../../src/core/privacy/estimate-stats.js';
import type { Manifest, PublishedVersion, Report } from '../../src/core/schema.js';
import { optionsFrom } from '../../src/server/cli.js';
import { estimateVersion } from '../../src/server/estimates/estimates.js';
import { createSigner } from '../../src/server/identity/keys.js';
import { publishSite } from '../../src/server/sites/publish.js';
import { seriesKey } from '../../src/server/estimates/series.js';
import { MIGRATIONS } from '../../src/server/storage/migrations.js';
import { migrate, type SqlStore } from '../../src/server/storage/store.js';
import * as reference from '../fixtures/estimate-reference.js';
import { closeDeep, mixedReports } from '../fixtures/mixed-reports.js';
import { makeManifest } from '../fixtures/manifest.js';
import { NOW } from './helpers.js';
import { pgliteBackend, postgresBackend } from './pg-harness.js';

const SITE = 'agg';
const base = makeManifest({ ks: [3, 5, 30], d: 4, site: SITE, version: 1 });
const definition = {
  features: base.features,
  models: base.models,
  reporting: base.reporting,
  retention: base.retention,
};
const PD = base.reporting.periodDays;
const LIVE = Math.floor(NOW.getTime() / 86_400_000 / PD) * PD;
const FIRST = LIVE - 2 * PD;
const NONE = { kThreshold: null, shareMinZ: 0, now: NOW };
const KT = { kThreshold: base.reporting.kThreshold, now: NOW };

const insertAll = async (store: SqlStore, reports: readonly Report[]) => {
  let inserted = 0;
  for (let i = 0; i < reports.length; i += 100)
    inserted += (await store.insertReports(reports.slice(i, i + 100), LIVE)).inserted;
  return inserted;
};
/** The estimates from the stored sums of `v`'s series (periods `only` when given), under `rules`. */
const fromTotals = async (store: SqlStore, v: Manifest, rules: typeof NONE, only?: number) => {
  const rows = (await store.reportTotals(SITE, seriesKey(v))).filter(
    (r) => only === undefined || r.period === only,
  );
  return estimateFromStatistics(v, statisticsOfTotals(v.features.length, rows), rules);
};
const as = (reports: readonly Report[], version: number) =>
  reports.map((r) => ({ ...r, manifestVersion: version }));

describe.each([pgliteBackend(), postgresBackend()])('estimates from stored sums on $name', (backend) => {
  let store: SqlStore;
  let v1: PublishedVersion;
  const reports = mixedReports(base, 700, { seed: 21, firstPeriod: FIRST, periods: 3 });
  beforeAll(async () => {
    store = await backend.open();
    await store.createSite(
      { id: SITE, name: 'Aggregates', origins: ['https://a.example'], definition, policy: base.policy },
      NOW.toISOString(),
    );
    const signer = await createSigner(store, () => NOW);
    await publishSite(store, signer, SITE, { actor: 'test', now: NOW });
    v1 = (await store.currentVersion(SITE))!;
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('keeps the sums at ingest: estimateVersion equals the per-report estimator to 1e-9', async () => {
    expect(await insertAll(store, reports)).toBe(reports.length);
    const want = reference.estimateSiteWith(v1.manifest, reports, KT);
    const got = await estimateVersion(store, v1, NOW);
    expect(got.reports).toBe(reports.length);
    expect(closeDeep(got, want, 1e-9)).toEqual([]);
    // Without suppression every cell is compared, the per-segment means of GRR, OUE and clear strata included.
    const all = await fromTotals(store, v1.manifest, NONE);
    expect(closeDeep(all, reference.estimateSiteWith(v1.manifest, reports, NONE), 1e-9)).toEqual([]);
    expect(all.models.every((m) => m.segments.some((s) => s.featureMeans.some((f) => f.estimate)))).toBe(
      true,
    );
  });

  it('keeps them per period: each period equals the estimator over its own reports', async () => {
    for (const period of [FIRST, FIRST + PD, LIVE]) {
      const own = reports.filter((r) => r.period === period);
      expect(own.length).toBeGreaterThan(200);
      const got = await fromTotals(store, v1.manifest, NONE, period);
      expect(closeDeep(got, reference.estimateSiteWith(v1.manifest, own, NONE), 1e-9)).toEqual([]);
    }
    const closed = await estimateVersion(store, v1, NOW, { maxPeriod: LIVE - PD });
    const want = reference.estimateSiteWith(
      v1.manifest,
      reports.filter((r) => r.period < LIVE),
      KT,
    );
    expect(closeDeep(closed, want, 1e-9)).toEqual([]);
  });

  it('adds nothing for a report stored already (the same batch again, or a repeat inside one)', async () => {
    const before = await store.reportTotals(SITE, v1.series);
    expect(await store.insertReports([...reports.slice(0, 50), reports[0]!], LIVE)).toEqual({ inserted: 0 });
    expect(await store.reportTotals(SITE, v1.series)).toEqual(before);
  });

  it('pools the reports of a version re-signed without change, and starts a new series when a model changes', async () => {
    const signer = await createSigner(store, () => NOW);
    const v2 = await publishSite(store, signer, SITE, { actor: 'test', now: NOW });
    expect(v2.series).toBe(v1.series);
    const more = mixedReports(v2.manifest, 150, { seed: 22, firstPeriod: LIVE, periods: 1 });
    await insertAll(store, more);
    const pooled = [...as(reports, 2), ...more];
    expect(
      closeDeep(
        await estimateVersion(store, v2, NOW),
        reference.estimateSiteWith(v2.manifest, pooled, KT),
        1e-9,
      ),
    ).toEqual([]);
    // The pooled estimate is the same whichever version of the series asks.
    expect(
      closeDeep(
        { ...(await estimateVersion(store, v1, NOW)), manifestVersion: 2 },
        await estimateVersion(store, v2, NOW),
        0,
      ),
    ).toEqual([]);

    const moved = v2.manifest.models.map((m, i) =>
      i === 0 && m.kind === 'centroids'
        ? { ...m, centroids: m.centroids.map((c) => c.map((x) => x + 0.1)) }
        : m,
    );
    const v3 = await publishSite(store, signer, SITE, {
      actor: 'test',
      now: NOW,
      manifest: { ...v2.manifest, models: moved },
    });
    expect(v3.series).not.toBe(v1.series);
    expect((await estimateVersion(store, v3, NOW)).reports).toBe(0);
    expect((await store.listVersions(SITE)).map((v) => [v.version, v.series === v1.series])).toEqual([
      [3, false],
      [2, true],
      [1, true],
    ]);
  });

  it('partitions reports by period, and retention drops whole partitions with their sums', async () => {
    const parts = async () =>
      (
        await store.db.query<{ name: string }>(
          `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'reports'::regclass order by 1`,
        )
      ).map((p) => p.name);
    expect(await parts()).toEqual([FIRST, FIRST + PD, LIVE].map((p) => `reports_w${p / 7}`));
    const dropped = await store.dropReportsBefore(FIRST + PD);
    expect(dropped).toEqual({ partitions: [`reports_w${FIRST / 7}`], keptFrom: FIRST + PD });
    expect(await parts()).toEqual([FIRST + PD, LIVE].map((p) => `reports_w${p / 7}`));
    const kept = reports.filter((r) => r.period >= FIRST + PD);
    expect(await store.countReports(SITE, 1)).toBe(kept.length);
    expect(
      closeDeep(
        await fromTotals(store, v1.manifest, NONE),
        reference.estimateSiteWith(
          v1.manifest,
          [
            ...as(kept, 1),
            ...as(
              mixedReports((await store.getVersion(SITE, 2))!.manifest, 150, {
                seed: 22,
                firstPeriod: LIVE,
                periods: 1,
              }),
              1,
            ),
          ],
          NONE,
        ),
        1e-9,
      ),
    ).toEqual([]);
    // A late report for a dropped period finds its partition created again.
    expect(await store.insertReports([reports[0]!], LIVE)).toEqual({ inserted: 1 });
    expect(await parts()).toContain(`reports_w${FIRST / 7}`);
  });
});

describe.each([pgliteBackend(), postgresBackend()])('a database of migration 1 on $name', (backend) => {
  afterAll(async () => {
    await backend.cleanup();
  });

  it('migrates with its reports kept, each version given its series and the sums built from the reports', async () => {
    const db = await backend.raw();
    expect(await migrate(db, MIGRATIONS.slice(0, 1))).toEqual([1]);
    await db.query(
      `insert into sites (id, name, origins, definition, policy, created_at, updated_at) values ($1, 'Old', '[]', $2::jsonb, $3::jsonb, $4, $4)`,
      [SITE, JSON.stringify(definition), JSON.stringify(base.policy), NOW.toISOString()],
    );
    await db.query(
      `insert into site_versions (site, version, manifest, jws, kid, published_at, published_by) values ($1, 1, $2::jsonb, 'jws', 'kid', $3, 'test')`,
      [SITE, JSON.stringify(base), NOW.toISOString()],
    );
    const old = mixedReports(base, 300, { seed: 31, firstPeriod: FIRST, periods: 3 });
    await db.query(
      `insert into reports (id, site, manifest_version, period, received_day, report)
       select r->>'id', r->>'site', (r->>'manifestVersion')::integer, (r->>'period')::integer, 1, r from jsonb_array_elements($1::jsonb) r`,
      [JSON.stringify(old)],
    );
    await db.close();

    const store = await backend.open();
    try {
      const rows = await store.db.query<{ version: number }>(
        'select version from schema_migrations order by 1',
      );
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.listReports(SITE, 1)).toEqual([...old].sort((a, b) => (a.id < b.id ? -1 : 1)));
      const v1 = (await store.getVersion(SITE, 1))!;
      expect(v1.series).toBe(seriesKey(base));
      expect(
        closeDeep(await fromTotals(store, base, NONE), reference.estimateSiteWith(base, old, NONE), 1e-9),
      ).toEqual([]);
      // And it takes new reports as usual.
      const more = mixedReports(base, 40, { seed: 32, firstPeriod: LIVE, periods: 1 });
      expect(await store.insertReports(more, LIVE)).toEqual({ inserted: 40 });
      expect(
        closeDeep(
          await estimateVersion(store, v1, NOW),
          reference.estimateSiteWith(base, [...old, ...more], KT),
          1e-9,
        ),
      ).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('retention from the command line', () => {
  it('takes --retention-days or EDSEG_RETENTION_DAYS, and refuses less than 28 days or a non-integer', () => {
    expect(optionsFrom(['--retention-days', '90'], {}).reportRetentionDays).toBe(90);
    expect(optionsFrom([], { EDSEG_RETENTION_DAYS: '400' }).reportRetentionDays).toBe(400);
    expect(optionsFrom([], {})).not.toHaveProperty('reportRetentionDays');
    expect(() => optionsFrom(['--retention-days', '7'], {})).toThrow(/--retention-days/);
    expect(() => optionsFrom(['--retention-days', 'x'], {})).toThrow(/--retention-days/);
  });
});
