/**
 * The sums the estimators need (src/core/privacy/estimate-stats.ts, ReportTotal in schema/server.ts),
 * kept in report_totals per site, series and period. addTotals computes the rows of a set of
 * reports with the estimators' own code (addReport, totalsOf) and adds them to the stored ones in
 * one statement: the collector runs it on the reports a batch inserted, in the batch's
 * transaction, and migration 3 on every stored report, a page at a time. So an estimate reads
 * O(cells) rows, never the reports, and the sums are defined once, in src/core.
 *
 * Rows are upserted in key order, so two batches adding to the same cells lock them in the same
 * order (no deadlock); every key starts with the site (the distribution column under Citus) and
 * no statement joins across sites.
 */
import { addReport, emptyStatistics, totalsOf, type Statistics } from '../../core/privacy/estimate-stats.js';
import type { Report } from '../../core/schema.js';
import type { Db } from './db.js';

/** The columns of report_totals' primary key, in order. */
const KEY = 'site, series, period, model, oracle, k, eps, value, dim';

/** A stored report with what its sums are keyed by: its version's series and feature count. */
export type Counted = { series: string; d: number; report: Report };

/** Adds the sums of `reports` to report_totals (one upsert; nothing for no report). */
export async function addTotals(db: Db, reports: readonly Counted[]): Promise<number> {
  const groups = new Map<string, { site: string; series: string; period: number; stats: Statistics }>();
  for (const { series, d, report } of reports) {
    const key = `${report.site}\u0000${series}\u0000${report.period}`;
    let g = groups.get(key);
    if (!g)
      groups.set(key, (g = { site: report.site, series, period: report.period, stats: emptyStatistics(d) }));
    addReport(g.stats, report);
  }
  const rows = [...groups.values()].flatMap((g) =>
    totalsOf(g.stats, g.period).map((r) => ({ site: g.site, series: g.series, ...r })),
  );
  if (rows.length === 0) return 0;
  await db.query(
    `insert into report_totals (${KEY}, n, nf, s, ss)
     select ${KEY}, n, nf, s, ss
     from jsonb_to_recordset($1::jsonb) as t(site text, series text, period integer, model text, oracle text,
       k integer, eps float8, value text, dim integer, n bigint, nf bigint, s float8, ss float8)
     order by ${KEY}
     on conflict (${KEY}) do update set
       n = report_totals.n + excluded.n, nf = report_totals.nf + excluded.nf,
       s = report_totals.s + excluded.s, ss = report_totals.ss + excluded.ss`,
    [JSON.stringify(rows)],
  );
  return rows.length;
}

/** Reports are partitioned by period in ranges of this many days (a weekly period fills one partition). */
export const PARTITION_DAYS = 7;

/** The partition that holds reports of `period`: its number, name and range [from, to). */
export function partitionOf(period: number): { week: number; name: string; from: number; to: number } {
  const week = Math.floor(period / PARTITION_DAYS);
  return { week, name: `reports_w${week}`, from: week * PARTITION_DAYS, to: (week + 1) * PARTITION_DAYS };
}

/** The DDL that creates the partition of `period` if it is missing. */
export const createPartitionSql = (period: number): string => {
  const p = partitionOf(period);
  return `create table if not exists ${p.name} partition of reports for values from (${p.from}) to (${p.to})`;
};
