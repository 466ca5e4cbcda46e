/**
 * install_counts: the installation view's hourly counters per site (migration 6). Every write is one
 * upsert that adds to the row, so processes sharing one PostgreSQL never lose a count. Counts only:
 * a page origin, a manifest version or a refusal reason, never a device, an address or a user agent.
 */
import type { Db } from '../db.js';

/** What a counter counts: manifest requests per page origin, reports stored per version, refused per reason. */
export type InstallKind = 'origin' | 'version' | 'refused';
/** One counter over a window: its kind, its key (origin, version, reason) and the sum of its hours. */
export type InstallCount = { kind: InstallKind; key: string; n: number };

/** The most distinct origins counted for a site in one hour; the requests of any other origin count under OTHER_ORIGIN. */
export const MAX_ORIGINS_PER_HOUR = 50;
/** The key that counts the origins past MAX_ORIGINS_PER_HOUR (no Origin header is ever the word `other`). */
export const OTHER_ORIGIN = 'other';
/** How long the counters are kept (pruned by the hourly job): the view reads the last 24. */
export const INSTALL_RETENTION_HOURS = 48;

/** The hour (since the epoch, UTC) of a time. */
export const hourOf = (ms: number): number => Math.floor(ms / 3_600_000);

export interface InstallationStore {
  /**
   * Counts one manifest request of `site` from page origin `origin` in `hour`. A new origin takes a
   * row only while the site has fewer than MAX_ORIGINS_PER_HOUR origins in that hour (else it counts
   * as OTHER_ORIGIN): a flood of forged Origin headers cannot grow the table. Processes that add new
   * origins at the very same moment may each pass the check, so the bound holds to within the
   * number of processes. Nothing is written for a site that does not exist.
   */
  countManifestRequest(site: string, origin: string, hour: number): Promise<void>;
  /** Adds `n` to the counter `kind`/`key` of `site` in `hour` (an existing site only: its reasons and versions are a short list). */
  addInstallCount(
    site: string,
    hour: number,
    kind: 'version' | 'refused',
    key: string,
    n: number,
  ): Promise<void>;
  /** The counters of `site` from `fromHour` on, each summed over those hours. */
  installCounts(site: string, fromHour: number): Promise<InstallCount[]>;
  /** Deletes the counters of hours before `hour`; returns how many rows. */
  pruneInstallCounts(hour: number): Promise<number>;
}

export const installationSql = (db: Db): InstallationStore => ({
  async countManifestRequest(site, origin, hour) {
    await db.query(
      `insert into install_counts (site, hour, kind, key, n)
       select $1, $2, 'origin',
         case when exists (select 1 from install_counts where site = $1 and hour = $2 and kind = 'origin' and key = $3)
                or (select count(*) from install_counts where site = $1 and hour = $2 and kind = 'origin' and key <> $5) < $4
              then $3 else $5 end,
         1
       where exists (select 1 from sites where id = $1)
       on conflict (site, hour, kind, key) do update set n = install_counts.n + 1`,
      [site, hour, origin, MAX_ORIGINS_PER_HOUR, OTHER_ORIGIN],
    );
  },

  async addInstallCount(site, hour, kind, key, n) {
    await db.query(
      `insert into install_counts (site, hour, kind, key, n)
       select $1, $2, $3, $4, $5 where exists (select 1 from sites where id = $1)
       on conflict (site, hour, kind, key) do update set n = install_counts.n + excluded.n`,
      [site, hour, kind, key, n],
    );
  },

  async installCounts(site, fromHour) {
    return db.query<InstallCount>(
      `select kind, key, sum(n)::float8 as n from install_counts
       where site = $1 and hour >= $2 group by kind, key order by kind, n desc, key`,
      [site, fromHour],
    );
  },

  async pruneInstallCounts(hour) {
    const rows = await db.query<{ n: number }>(
      `with gone as (delete from install_counts where hour < $1 returning 1) select count(*)::integer as n from gone`,
      [hour],
    );
    return rows[0]?.n ?? 0;
  },
});
