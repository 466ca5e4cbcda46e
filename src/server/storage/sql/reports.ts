/**
 * The reports table (partitioned by period: ../totals.ts) and report_totals, the sums the
 * estimators read: the collector's idempotent insert, retention, and the counts the console shows.
 */
import type { Report, ReportTotal } from '../../../core/schema.js';
import { json, LOCKS, type Db } from '../db.js';
import { PARTITION_DAYS, addTotals, createPartitionSql, partitionOf } from '../totals.js';
import { installationSql } from './installation.js';

export interface ReportStore {
  /**
   * Idempotent by report id (per site and period): a report stored already is skipped. In the same
   * statement, the sums of the new reports are added to report_totals under their version's series.
   * A report whose site did not publish its version is not stored (admission refuses it before).
   * With `receivedHour`, the reports stored are counted per site and version in that hour too
   * (install_counts, the installation view), in the same transaction.
   */
  insertReports(
    reports: readonly Report[],
    receivedDay: number,
    receivedHour?: number,
  ): Promise<{ inserted: number }>;
  /** The stored sums of a site's series (ReportTotal rows, one per period and cell), of periods up to `maxPeriod` when given. */
  reportTotals(site: string, series: string, opts?: { maxPeriod?: number }): Promise<ReportTotal[]>;
  /**
   * Retention: drops every report partition that holds only periods starting before `day`, and the
   * sums of those periods; returns the partitions dropped and the first period kept.
   */
  dropReportsBefore(day: number): Promise<{ partitions: string[]; keptFrom: number }>;
  listReports(site: string, version: number): Promise<Report[]>;
  countReports(site: string, version?: number): Promise<number>;
  /** In one query: all the site's reports, and those of `version` (0 when version is null). */
  reportCounts(site: string, version: number | null): Promise<{ total: number; ofVersion: number }>;
  /**
   * What a site's sums are now, in one short string (its report_totals rows and reports counted):
   * it changes with every stored report and every retention drop, so an answer computed from the
   * sums can be cached under it by every process (the estimates cache).
   */
  totalsStamp(site: string): Promise<string>;
}

/** Adds the reports stored, per site and version, to the installation counters of `hour`. */
async function countStored(tx: Db, rows: { site: string; v: number }[], hour: number): Promise<void> {
  const per = new Map<string, { site: string; v: number; n: number }>();
  for (const r of rows) {
    const k = `${r.site}\u0000${r.v}`;
    const c = per.get(k) ?? { site: r.site, v: r.v, n: 0 };
    c.n += 1;
    per.set(k, c);
  }
  const counters = installationSql(tx);
  for (const c of per.values()) await counters.addInstallCount(c.site, hour, 'version', String(c.v), c.n);
}

/** PostgreSQL's refusal of a row whose partition does not exist (another process's retention dropped it). */
const noPartition = (e: unknown): boolean => e instanceof Error && /no partition of relation/.test(e.message);

/**
 * The report statements over `db`. `inTx`: `db` is a transaction already (the writes join it);
 * `partitions`: the report partitions known to exist, a cache the store shares with its
 * transactions (a missing one is created again, see insertReports).
 */
export function reportSql(db: Db, inTx: boolean, partitions: Set<number>): ReportStore {
  const inTransaction = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => (inTx ? fn(db) : db.transaction(fn));

  /** Creates the partitions of `periods` that this process has not seen yet (under an advisory lock, so two processes do not race). */
  async function ensurePartitions(periods: Iterable<number>, tx: Db): Promise<void> {
    const missing = [...new Set([...periods].map((p) => partitionOf(p).week))].filter(
      (w) => !partitions.has(w),
    );
    if (missing.length === 0) return;
    // In the caller's transaction: the lock is held until it ends, so a partition is created once.
    await tx.query(`select pg_advisory_xact_lock(${LOCKS.partitions})`);
    for (const w of missing) await tx.exec(createPartitionSql(w * PARTITION_DAYS));
    for (const w of missing) partitions.add(w);
  }

  /** Each (site, version)'s series and feature count; published versions never change, so a process may keep them. */
  const versionInfo = new Map<string, { series: string; d: number } | null>();

  async function versionsOf(
    tx: Db,
    reports: readonly Report[],
  ): Promise<Map<string, { series: string; d: number } | null>> {
    const key = (site: string, version: number) => `${site}\u0000${version}`;
    const missing = [...new Set(reports.map((r) => key(r.site, r.manifestVersion)))].filter(
      (k) => !versionInfo.get(k),
    );
    if (missing.length > 0) {
      const rows = await tx.query<{ site: string; version: number; series: string; d: number }>(
        `select v.site, v.version, v.series, jsonb_array_length(v.manifest->'features') as d
         from site_versions v join jsonb_to_recordset($1::jsonb) as w(site text, version integer)
           on w.site = v.site and w.version = v.version`,
        [json(missing.map((k) => ({ site: k.split('\u0000')[0], version: Number(k.split('\u0000')[1]) })))],
      );
      for (const k of missing) versionInfo.set(k, null);
      for (const r of rows) versionInfo.set(key(r.site, r.version), { series: r.series, d: r.d });
    }
    return versionInfo;
  }

  return {
    async insertReports(reports, receivedDay, receivedHour) {
      if (reports.length === 0) return { inserted: 0 };
      const insert = () =>
        inTransaction(async (tx) => {
          await ensurePartitions(
            reports.map((r) => r.period),
            tx,
          );
          const info = await versionsOf(tx, reports);
          const known = reports.flatMap((report) => {
            const v = info.get(`${report.site}\u0000${report.manifestVersion}`);
            return v ? [{ ...v, report }] : [];
          });
          // One statement for the batch; ON CONFLICT DO NOTHING also skips a repeat inside it.
          const rows = await tx.query<{ site: string; period: number; id: string; v: number }>(
            `insert into reports (site, period, id, series, manifest_version, received_day, report)
             select r.site, (r.report->>'period')::integer, r.report->>'id', r.series, (r.report->>'manifestVersion')::integer, $2, r.report
             from jsonb_to_recordset($1::jsonb) as r(site text, series text, report jsonb)
             on conflict (site, period, id) do nothing returning site, period, id, manifest_version as v`,
            [
              json(known.map((k) => ({ site: k.report.site, series: k.series, report: k.report }))),
              receivedDay,
            ],
          );
          // The sums of exactly the reports inserted (the first of a repeated id), in the same transaction.
          const inserted = new Set(rows.map((r) => `${r.site}\u0000${r.period}\u0000${r.id}`));
          await addTotals(
            tx,
            known.filter((k) =>
              inserted.delete(`${k.report.site}\u0000${k.report.period}\u0000${k.report.id}`),
            ),
          );
          if (receivedHour !== undefined) await countStored(tx, rows, receivedHour);
          return { inserted: rows.length };
        });
      try {
        return await insert();
      } catch (e) {
        // A partition this process knew of was dropped by another (retention): forget them all, once.
        if (inTx || !noPartition(e)) throw e;
        partitions.clear();
        return insert();
      }
    },

    async reportTotals(site, series, opts = {}) {
      return db.query<ReportTotal>(
        `select period, model, oracle, k, eps, value, dim, n::float8 as n, nf::float8 as nf, s, ss
         from report_totals
         where site = $1 and series = $2 and ($3::integer is null or period <= $3::integer)
         order by period`,
        [site, series, opts.maxPeriod ?? null],
      );
    },

    async dropReportsBefore(day) {
      const keptFrom = partitionOf(day).from;
      return inTransaction(async (tx) => {
        await tx.query(`select pg_advisory_xact_lock(${LOCKS.partitions})`);
        const parts = await tx.query<{ name: string }>(
          `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent = 'reports'::regclass order by c.relname`,
        );
        const dropped = parts
          .map((p) => p.name)
          .filter((name) => {
            const w = /^reports_w(\d+)$/.exec(name);
            return w !== null && (Number(w[1]) + 1) * PARTITION_DAYS <= keptFrom;
          });
        for (const name of dropped) await tx.exec(`drop table ${name}`);
        await tx.query('delete from report_totals where period < $1', [keptFrom]);
        for (const name of dropped) partitions.delete(Number(name.slice('reports_w'.length)));
        return { partitions: dropped, keptFrom };
      });
    },

    async listReports(site, version) {
      const rows = await db.query<{ report: Report }>(
        'select report from reports where site = $1 and manifest_version = $2 order by id',
        [site, version],
      );
      return rows.map((r) => r.report);
    },

    async countReports(site, version) {
      const [r] = await db.query<{ n: number }>(
        'select count(*)::integer as n from reports where site = $1 and ($2::integer is null or manifest_version = $2::integer)',
        [site, version ?? null],
      );
      return r?.n ?? 0;
    },

    async reportCounts(site, version) {
      const [r] = await db.query<{ total: number; of_version: number }>(
        'select count(*)::integer as total, (count(*) filter (where manifest_version = $2::integer))::integer as of_version from reports where site = $1',
        [site, version],
      );
      return { total: r?.total ?? 0, ofVersion: r?.of_version ?? 0 };
    },

    async totalsStamp(site) {
      const [r] = await db.query<{ cells: number; n: string }>(
        `select count(*)::int as cells, coalesce(sum(n) filter (where model = '' and oracle = ''), 0)::text as n
           from report_totals where site = $1`,
        [site],
      );
      return `${r?.cells ?? 0}:${r?.n ?? '0'}`;
    },
  };
}
