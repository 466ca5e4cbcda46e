/**
 * The sums the estimators need (src/core/privacy/estimate-stats.ts, ReportTotal in schema/server.ts),
 * kept in report_totals per site, series and period. totalsUpsert(source) is one SQL text that
 * GROUPs the reports of `source` (a relation with the columns site, series, period, d, report: d
 * the version's feature count) into rows and adds them to report_totals: the collector runs it on
 * the reports a batch inserted, in the same statement (so in the same transaction), and migration
 * 2 on every stored report. So an estimate reads O(cells) rows, never the reports.
 *
 * Rows are inserted in key order, so two batches adding to the same cells lock them in the same
 * order (no deadlock); every key starts with the site (the distribution column under Citus) and
 * no statement joins across sites.
 */

/** The columns of report_totals' primary key, in order. */
export const TOTALS_KEY = 'site, series, period, model, oracle, k, eps, value, dim';

/**
 * WITH-clauses (to follow a `with … as (…)` that defines `source`) and the upsert that adds the
 * sums of source's reports to report_totals; the statement's last CTE is `totals` (one row per cell touched).
 */
export const totalsUpsert = (source: string): string => `
  fv as (
    select s.site, s.series, s.period, s.report->>'id' as rid, s.report, s.report->'features' as f,
      coalesce(jsonb_typeof(s.report->'features') = 'object' and (s.report->'features'->>'d')::integer = s.d, false) as fb
    from ${source} s
  ),
  dims as (
    select fv.site, fv.period, fv.rid, dj.value::integer as dim, (fv.f->'values'->>(dj.ord::integer - 1))::float8 as x
    from fv, jsonb_array_elements_text(fv.f->'dims') with ordinality as dj(value, ord)
    where fv.fb
  ),
  fields as (
    select fv.site, fv.series, fv.period, fv.rid, fv.fb, sf->>'model' as model,
      case when sf->>'channel' = 'clear' then 'clear' else sf->>'oracle' end as oracle,
      coalesce((sf->>'k')::integer, 0) as k, coalesce((sf->>'eps')::float8, 0) as eps, sf
    from fv, jsonb_array_elements(fv.report->'segments') as sf
  ),
  cells as (
    select site, series, period, rid, fb, model, oracle, k, eps, '' as value from fields
    union all
    select site, series, period, rid, fb, model, oracle, k, eps, sf->>'segment' from fields where oracle = 'clear'
    union all
    select site, series, period, rid, fb, model, oracle, k, eps, sf->>'value' from fields where oracle = 'grr'
    union all
    select f.site, f.series, f.period, f.rid, f.fb, f.model, f.oracle, f.k, f.eps, (b.ord - 1)::text
    from fields f, jsonb_array_elements_text(f.sf->'bits') with ordinality as b(bit, ord)
    where f.oracle = 'oue' and b.bit = '1'
  ),
  sums as (
    select site, series, period, '' as model, '' as oracle, 0 as k, 0::float8 as eps, '' as value, -1 as dim,
      count(*) as n, 0::bigint as nf, 0::float8 as s, 0::float8 as ss
    from fv group by site, series, period
    union all
    select site, series, period, '', f->>'mechanism', 0, (f->>'eps')::float8, '', -1, count(*), count(*), 0, 0
    from fv where fb group by site, series, period, f->>'mechanism', (f->>'eps')::float8
    union all
    select fv.site, fv.series, fv.period, '', fv.f->>'mechanism', 0, (fv.f->>'eps')::float8, '', d.dim, 0, 0, sum(d.x), sum(d.x * d.x)
    from fv join dims d on d.site = fv.site and d.period = fv.period and d.rid = fv.rid
    group by fv.site, fv.series, fv.period, fv.f->>'mechanism', (fv.f->>'eps')::float8, d.dim
    union all
    select site, series, period, model, oracle, k, eps, value, -1, count(*), count(*) filter (where fb), 0, 0
    from cells group by site, series, period, model, oracle, k, eps, value
    union all
    select c.site, c.series, c.period, c.model, c.oracle, c.k, c.eps, c.value, d.dim, 0, 0, sum(d.x), sum(d.x * d.x)
    from cells c join dims d on d.site = c.site and d.period = c.period and d.rid = c.rid
    where c.fb group by c.site, c.series, c.period, c.model, c.oracle, c.k, c.eps, c.value, d.dim
  ),
  totals as (
    insert into report_totals (${TOTALS_KEY}, n, nf, s, ss)
    select ${TOTALS_KEY}, n, nf, s, ss from sums order by ${TOTALS_KEY}
    on conflict (${TOTALS_KEY}) do update set
      n = report_totals.n + excluded.n, nf = report_totals.nf + excluded.nf,
      s = report_totals.s + excluded.s, ss = report_totals.ss + excluded.ss
    returning 1
  )`;

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
