/**
 * The schema, as an append-only list of versioned migrations, in the one SQL dialect both
 * back ends run (PGlite is PostgreSQL compiled to WASM). Never edit an applied migration:
 * add the next one.
 *
 * Choices that keep the two drivers interchangeable: times are ISO-8601 UTC text (lexically
 * ordered, parsed the same by both), ids are `integer` (pg returns int8 as a string), and
 * documents are jsonb passed as JSON text with an explicit ::jsonb cast.
 */
import type { Manifest } from '../../core/schema.js';
import type { Db } from './db.js';
import { seriesKey } from '../estimates/series.js';
import { addTotals, createPartitionSql, type Counted } from './totals.js';

/** A migration: its SQL, then optionally `run`, a step that needs code (in the same transaction). */
export type Migration = { version: number; name: string; sql: string; run?: (db: Db) => Promise<void> };

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sites, versions, keys, reports, audit',
    sql: `
      create table sites (
        id          text primary key,
        name        text not null,
        origins     jsonb not null,
        -- the working definition an admin edits: features, models (with each segment's
        -- documentation), reporting and retention; published into a manifest with the policy
        definition  jsonb not null,
        policy      jsonb not null,
        created_at  text not null,
        updated_at  text not null
      );

      create table site_versions (
        site          text not null references sites(id),
        version       integer not null,
        manifest      jsonb not null,
        jws           text not null,
        kid           text not null,
        published_at  text not null,
        published_by  text not null,
        primary key (site, version)
      );

      create table signing_keys (
        kid          text primary key,
        created_at   text not null,
        public_jwk   jsonb not null,
        private_jwk  jsonb not null
      );

      -- Exactly the report fields (PRIVACY.md), plus the day it arrived. No IP address, no user
      -- agent, no header: the collector has no column to put them in.
      create table reports (
        id                text primary key,
        site              text not null,
        manifest_version  integer not null,
        period            integer not null,
        received_day      integer not null,
        report            jsonb not null
      );
      create index reports_site_version on reports (site, manifest_version);
      create index reports_period on reports (site, period);

      create table audit_log (
        id       integer generated always as identity primary key,
        at       text not null,
        actor    text not null,
        action   text not null,
        site     text,
        version  integer,
        summary  text not null,
        detail   jsonb not null
      );
      create index audit_log_site on audit_log (site, id);
    `,
  },
  {
    version: 2,
    name: 'accounts with roles, disabled sites',
    sql: `
      -- Named admin accounts. The password is kept as its scrypt hash with the parameters and salt
      -- (scrypt$N$r$p$salt$hash), the API token as its SHA-256: neither can be read back.
      create table accounts (
        name           text primary key,
        role           text not null check (role in ('owner', 'editor', 'analyst')),
        password_hash  text not null,
        token_hash     text not null unique,
        created_at     text not null,
        created_by     text not null
      );

      -- A disabled site serves no manifest and takes no report; its versions and reports stay.
      alter table sites add column disabled_at text;
    `,
  },
  {
    version: 3,
    name: 'series, reports partitioned by period, report_totals',
    sql: `
      alter table site_versions add column series text;

      -- The old table is copied into the partitioned one by run(), then dropped.
      alter table reports rename to reports_v1;
      alter table reports_v1 rename constraint reports_pkey to reports_v1_pkey;
      alter index reports_site_version rename to reports_v1_site_version;
      alter index reports_period rename to reports_v1_period;

      -- Partitioned by period (ranges of PARTITION_DAYS, created on demand: totals.ts), so that
      -- retention drops whole partitions. A unique key of a partitioned table must hold the
      -- partition key, and under Citus the distribution column (site): a report id is unique per
      -- site and period (a device draws a new random id for every report).
      create table reports (
        site              text not null,
        period            integer not null,
        id                text not null,
        series            text not null,
        manifest_version  integer not null,
        received_day      integer not null,
        report            jsonb not null,
        primary key (site, period, id)
      ) partition by range (period);
      create index reports_version on reports (site, manifest_version);

      -- The estimators' sums per site, series, period and cell (schema/server.ts ReportTotal).
      create table report_totals (
        site    text not null,
        series  text not null,
        period  integer not null,
        model   text not null,
        oracle  text not null,
        k       integer not null,
        eps     double precision not null,
        value   text not null,
        dim     integer not null,
        n       bigint not null,
        nf      bigint not null,
        s       double precision not null,
        ss      double precision not null,
        primary key (site, series, period, model, oracle, k, eps, value, dim)
      );
    `,
    async run(db) {
      for (const v of await db.query<{ site: string; version: number; manifest: Manifest }>(
        'select site, version, manifest from site_versions',
      ))
        await db.query('update site_versions set series = $3 where site = $1 and version = $2', [
          v.site,
          v.version,
          seriesKey(v.manifest),
        ]);
      await db.exec('alter table site_versions alter column series set not null');
      for (const { period } of await db.query<{ period: number }>('select distinct period from reports_v1'))
        await db.exec(createPartitionSql(period));
      await db.exec(`
        insert into reports (site, period, id, series, manifest_version, received_day, report)
        select r.site, r.period, r.id, coalesce(v.series, ''), r.manifest_version, r.received_day, r.report
        from reports_v1 r left join site_versions v on v.site = r.site and v.version = r.manifest_version;
        drop table reports_v1;`);
      // The sums of every stored report, a page at a time (keyset on the primary key), so memory stays flat.
      let after = { site: '', period: -1, id: '' };
      for (;;) {
        const page = await db.query<Counted & { period: number; id: string; site: string }>(
          `select r.site, r.period, r.id, r.series, coalesce(jsonb_array_length(v.manifest->'features'), 0) as d, r.report
           from reports r left join site_versions v on v.site = r.site and v.version = r.manifest_version
           where (r.site, r.period, r.id) > ($1, $2, $3) order by r.site, r.period, r.id limit 2000`,
          [after.site, after.period, after.id],
        );
        if (page.length === 0) break;
        await addTotals(db, page);
        after = page[page.length - 1]!;
      }
    },
  },
  {
    version: 4,
    name: 'accounts can be disabled',
    sql: `
      -- An owner disables an account: it signs in no more, its sessions end and its API token stops.
      alter table accounts add column disabled_at text;
    `,
  },
  {
    version: 5,
    name: 'sessions and server settings shared by every process',
    sql: `
      -- Console sessions (http/sessions.ts), by the SHA-256 of the cookie's random id: every
      -- process on one database sees a login, a logout and a disable at once.
      create table admin_sessions (
        id_hash     text primary key,
        name        text not null,
        role        text not null,
        bootstrap   boolean not null,
        created_at  text not null,
        expires_at  text not null
      );
      create index admin_sessions_name on admin_sessions (name);
      create index admin_sessions_expires on admin_sessions (expires_at);

      -- What the processes of one server agree on besides the tables above: the admin token's
      -- SHA-256 (admin-token-sha256).
      -- Rate limits and wrong-login throttles counted across processes: rate-limiter-flexible's
      -- RateLimiterPostgres table (its own layout), one row per limiter prefix and client key.
      create table rate_limits (
        key     varchar(255) primary key,
        points  integer not null default 0,
        expire  bigint
      );

      create table server_settings (
        name        text primary key,
        value       text not null,
        updated_at  text not null
      );
    `,
  },
  {
    version: 6,
    name: 'installation counters per site and hour',
    sql: `
      -- The installation view (sql/installation.ts): counts per site, UTC hour (hours since the
      -- epoch) and key, nothing per device: manifest requests per page origin (kind 'origin', at
      -- most MAX_ORIGINS_PER_HOUR origins a site and hour, the rest under 'other'), reports stored
      -- per manifest version ('version') and refused per reason ('refused'). Pruned after
      -- INSTALL_RETENTION_HOURS.
      create table install_counts (
        site  text not null,
        hour  integer not null,
        kind  text not null,
        key   text not null,
        n     bigint not null,
        primary key (site, hour, kind, key)
      );
      create index install_counts_hour on install_counts (hour);
    `,
  },
];
