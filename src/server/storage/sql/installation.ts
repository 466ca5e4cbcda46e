/**
 * install_counts: the installation view's hourly counters per site (migration 6). Every write is one
 * upsert that adds to the rows, so processes sharing one PostgreSQL never lose a count. Counts only:
 * a page origin, a manifest version or a refusal reason, never a device, an address or a user agent.
 * The routes do not write here per request: ingest/install-counts.ts adds up in memory and flushes
 * a batch at a time through addInstallCounts.
 */
import { LOCKS, json, type Db } from '../db.js';

/** What a counter counts: manifest requests per page origin, reports stored per version, refused per reason. */
export type InstallKind = 'origin' | 'version' | 'refused';
/** One counter over a window: its kind, its key (origin, version, reason) and the sum of its hours. */
export type InstallCount = { kind: InstallKind; key: string; n: number };
/** An increment of one counter: `n` added to `kind`/`key` of `site` in `hour`. */
export type InstallIncrement = { site: string; hour: number; kind: InstallKind; key: string; n: number };

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
   * Adds a batch of increments in one upsert (a flush of ingest/install-counts.ts). A new origin
   * takes a row only while its site has fewer than MAX_ORIGINS_PER_HOUR origins in that hour, the
   * batch's new origins ranked by their count (the rest count as OTHER_ORIGIN): a flood of forged
   * Origin headers cannot grow the table. Flushes take the advisory lock LOCKS.installCounts for
   * their transaction, so each sees the origins the previous one added and the bound is exact
   * across processes. Nothing is written for a site that does not exist.
   */
  addInstallCounts(rows: readonly InstallIncrement[]): Promise<void>;
  /** One manifest request of `site` from page origin `origin` in `hour`: addInstallCounts of one row. */
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

/** The batch upsert: existing keys and non-origin counters add as they are, new origins as the bound allows. */
const ADD_COUNTS_SQL = `
  with input as (
    select t.site, t.hour, t.kind, t.key, t.n,
      t.kind = 'origin' and t.key <> $3 and not exists (
        select 1 from install_counts c where c.site = t.site and c.hour = t.hour and c.kind = 'origin' and c.key = t.key
      ) as fresh
    from jsonb_to_recordset($1::jsonb) as t(site text, hour integer, kind text, key text, n bigint)
    where exists (select 1 from sites where id = t.site)
  ),
  placed as (
    select i.site, i.hour, i.kind, i.n,
      case when not i.fresh then i.key
           when (select count(*) from install_counts c
                 where c.site = i.site and c.hour = i.hour and c.kind = 'origin' and c.key <> $3)
                + row_number() over (partition by i.site, i.hour, i.fresh order by i.n desc, i.key) <= $2
           then i.key else $3 end as key
    from input i
  )
  insert into install_counts (site, hour, kind, key, n)
  select site, hour, kind, key, sum(n)::bigint from placed group by site, hour, kind, key
  on conflict (site, hour, kind, key) do update set n = install_counts.n + excluded.n`;

export const installationSql = (db: Db): InstallationStore => {
  const addInstallCounts = async (rows: readonly InstallIncrement[]): Promise<void> => {
    if (rows.length === 0) return;
    await db.transaction(async (tx) => {
      // Held to the commit: the next flush's statement starts after this one's rows are visible.
      await tx.query(`select pg_advisory_xact_lock(${LOCKS.installCounts})`);
      await tx.query(ADD_COUNTS_SQL, [json(rows), MAX_ORIGINS_PER_HOUR, OTHER_ORIGIN]);
    });
  };
  return {
    addInstallCounts,

    async countManifestRequest(site, origin, hour) {
      await addInstallCounts([{ site, hour, kind: 'origin', key: origin, n: 1 }]);
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
  };
};
