/**
 * A site's estimates, as GET /v1/sites/:site/estimates, the admin API and the console's dashboard
 * show them, from the sums the collector keeps per site, series and period (report_totals,
 * storage/totals.ts): one read of the version row, one of its series' sums. The cost is O(cells x
 * periods), whatever the number of reports, and no report is read into memory.
 *
 * A version's estimates are its series' (series.ts): the versions whose models and reporting are
 * unchanged pool their reports. The public endpoint counts closed periods only (a period is closed
 * once its last day has passed): with the live period in it, two calls around one report would tell
 * that report's segment. The signed-in admin views count every period, and add the timeline (the
 * same estimates period by period). Every view publishes through disclose().
 */
import { Refusal, unknownSite } from '../http/refusal.js';
import { estimateFromStatistics } from '../../core/privacy/estimate.js';
import { addTotal, emptyStatistics, type Statistics } from '../../core/privacy/estimate-stats.js';
import { DAY_MS, dayOf } from '../../core/schema.js';
import type {
  Manifest,
  PublishedEstimates,
  PublishedVersion,
  Report,
  SiteEstimates,
} from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { disclose, type Disclosed } from './disclosure.js';
import { seriesKey } from './series.js';
import type { Store } from '../storage/store.js';

/** Which reports an estimate counts: those of closed periods (public), or all of them (signed-in admin). */
export type EstimatesScope = 'closed' | 'all';

/** Whether a report's period has ended by `day` (its last day is before `day`). */
export const periodClosed = (r: Pick<Report, 'period'>, periodDays: number, day: number): boolean =>
  r.period + periodDays <= day;

/** The statistics of a version's series from its stored sums, in total and per period (periods of `maxPeriod` or earlier when given). */
async function seriesStatistics(
  store: Store,
  v: Pick<PublishedVersion, 'site' | 'manifest'>,
  maxPeriod?: number,
): Promise<{ total: Statistics; byPeriod: Map<number, Statistics> }> {
  const d = v.manifest.features.length;
  const rows = await store.reportTotals(v.site, seriesKey(v.manifest), {
    ...(maxPeriod !== undefined ? { maxPeriod } : {}),
  });
  const total = emptyStatistics(d);
  const byPeriod = new Map<number, Statistics>();
  for (const row of rows) {
    addTotal(total, row);
    let p = byPeriod.get(row.period);
    if (!p) byPeriod.set(row.period, (p = emptyStatistics(d)));
    addTotal(p, row);
  }
  return { total, byPeriod };
}

const rulesOf = (m: Manifest, now: Date) => ({ kThreshold: m.reporting.kThreshold, now });

/**
 * The estimates of one published version from the stored sums of its series (every period), read
 * through `store` (a transaction's, inside one). The one entry point of every estimate the server
 * makes (the refinement's included); `maxPeriod` limits it to periods starting then or earlier.
 */
export async function estimateVersion(
  store: Store,
  v: Pick<PublishedVersion, 'site' | 'version' | 'manifest'>,
  now: Date,
  opts: { maxPeriod?: number } = {},
): Promise<SiteEstimates> {
  const { total } = await seriesStatistics(store, v, opts.maxPeriod);
  return estimateFromStatistics(v.manifest, total, rulesOf(v.manifest, now));
}

/**
 * The gate's estimates of a version's series over every period, the live one included: exactly the
 * figures of the signed-in admin views (publishedEstimates with scope 'all'), and all the refinement
 * may read, so a proposal shows nothing those views do not. Read through `store` (a transaction's, inside one).
 */
export async function disclosedVersion(
  store: Store,
  v: Pick<PublishedVersion, 'site' | 'version' | 'manifest'>,
  now: Date,
): Promise<Disclosed> {
  const { total, byPeriod } = await seriesStatistics(store, v);
  const periods = [...byPeriod.keys()].sort((a, b) => a - b);
  return disclose(estimateFromStatistics(v.manifest, total, rulesOf(v.manifest, now)), {
    periods,
    live: true,
  });
}

/** The error for a site or version with nothing published: names `site` (unknown site, or nothing published) or `version`. */
export async function notPublished(store: Store, site: string, version?: number): Promise<Refusal> {
  // Only a refusal reads the site, to say which of the two is missing.
  if (version === undefined) return new Refusal(404, 'unknown site or nothing published', 'site');
  if (!(await store.getSite(site))) return unknownSite(site);
  return new Refusal(404, `site "${site}" never published version ${version}`, 'version');
}

/**
 * The published estimates of `version` (default: the current one) from its series' sums in
 * `scope`, and the version's periodDays; with scope 'all' also the timeline (every period, the
 * live one included, each with its reports). Throws notPublished's error when there is no such version.
 */
export async function publishedEstimates(
  deps: ServerDeps,
  site: string,
  version: number | undefined,
  scope: EstimatesScope,
): Promise<{ estimates: PublishedEstimates; periodDays: number }> {
  const published =
    version === undefined
      ? await deps.store.currentVersion(site)
      : await deps.store.getVersion(site, version);
  if (!published) throw await notPublished(deps.store, site, version);
  const now = deps.now();
  const { manifest } = published;
  const { periodDays } = manifest.reporting;
  const today = dayOf(now.getTime());
  // Closed: the periods whose last day is before today, i.e. starting at today - periodDays or earlier.
  const { total, byPeriod } = await seriesStatistics(
    deps.store,
    published,
    scope === 'all' ? undefined : today - periodDays,
  );
  const series = seriesKey(manifest);
  const versions = (await deps.store.listVersions(site))
    .filter((v) => v.series === series)
    .map((v) => v.version)
    .sort((a, b) => a - b);
  const periods = [...byPeriod.keys()].sort((a, b) => a - b);
  const rules = rulesOf(manifest, now);
  const estimates: PublishedEstimates = {
    ...disclose(estimateFromStatistics(manifest, total, rules), { periods, live: scope === 'all' }),
    series,
    versions,
  };
  if (scope === 'all')
    estimates.timeline = periods.map((period) => {
      const live = !periodClosed({ period }, periodDays, today);
      const { reports, models, features } = disclose(
        estimateFromStatistics(manifest, byPeriod.get(period)!, rules),
        { periods: [period], live },
      );
      return {
        period,
        start: new Date(period * DAY_MS).toISOString().slice(0, 10),
        live,
        reports,
        models,
        features,
      };
    });
  return { estimates, periodDays };
}

/** publishedEstimates' estimates only. */
export async function loadEstimates(
  deps: ServerDeps,
  site: string,
  version: number | undefined,
  scope: EstimatesScope,
): Promise<PublishedEstimates> {
  return (await publishedEstimates(deps, site, version, scope)).estimates;
}

/** One series as the dashboard draws it: a label and its estimates with the timeline. */
export type TrendSeries = { label: string; estimates: PublishedEstimates };
/** A publish on the time axis: a refinement, the first version of a new series, or another publish (a re-sign). */
export type TrendMarker = { at: Date; version: number; kind: 'publish' | 'refine' | 'series' };

/** How many series the dashboard shows at most (the newest ones). */
export const TREND_SERIES = 3;

/**
 * What the dashboard over time draws for a site: its newest series (at most TREND_SERIES, oldest
 * first, each with every period, the live one included) and a marker for every publish. `shown`
 * is the estimates already loaded for one version; its series is not read again.
 */
export async function loadTrends(
  deps: ServerDeps,
  site: string,
  shown: PublishedEstimates,
): Promise<{ series: TrendSeries[]; markers: TrendMarker[] }> {
  const versions = (await deps.store.listVersions(site)).sort((a, b) => a.version - b.version);
  const order: string[] = [];
  const newestOf = new Map<string, number>();
  for (const v of versions) {
    if (!newestOf.has(v.series)) order.push(v.series);
    newestOf.set(v.series, v.version);
  }
  const refined = new Set(
    (await deps.store.listAudit({ site, limit: 1000 }))
      .filter((e) => e.action === 'refine' && e.version !== null)
      .map((e) => e.version),
  );
  const markers = versions.map((v, i) => ({
    at: new Date(v.publishedAt),
    version: v.version,
    kind: refined.has(v.version)
      ? ('refine' as const)
      : i > 0 && v.series !== versions[i - 1]!.series
        ? ('series' as const)
        : ('publish' as const),
  }));
  const series: TrendSeries[] = [];
  for (const key of order.slice(-TREND_SERIES)) {
    const estimates =
      key === shown.series ? shown : await loadEstimates(deps, site, newestOf.get(key)!, 'all');
    const vs = estimates.versions;
    series.push({
      label: vs.length > 1 ? `v${vs[0]}–v${vs.at(-1)}` : `v${vs[0]}`,
      estimates,
    });
  }
  return { series, markers };
}
