/**
 * The collector's storage: one interface, one SQL implementation, two drivers (PGlite embedded,
 * PostgreSQL via `pg`). The drivers only adapt `query`, `exec` and `transaction`; every statement
 * lives here, so both back ends run exactly the same SQL.
 */
import type {
  AccountRecord,
  AccountRow,
  AuditInput,
  AuditRecord,
  PublishedVersion,
  Report,
  ReportTotal,
  SigningKeyRecord,
  SigningKeyRow,
  SiteRecord,
  SiteRow,
  SiteSummary,
  VersionRow,
  VersionSummary,
} from '../../core/schema.js';
import { seriesKey } from '../estimates/series.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { PARTITION_DAYS, addTotals, createPartitionSql, partitionOf } from './totals.js';

// The storage shapes (records and table rows) are schema.ts's; AuditRecord is re-exported for the tests.
export type { AuditRecord } from '../../core/schema.js';

/** What the manifest route reads: the current version's number and JWS, and whether the site is disabled. */
export type CurrentJws = Pick<PublishedVersion, 'version' | 'jws'> & { disabled: boolean };

/** What createSite takes: a site without its timestamps (a new site is enabled). */
export type NewSite = Omit<SiteRecord, 'createdAt' | 'updatedAt' | 'disabledAt'>;

const toAccount = (r: AccountRow): AccountRecord => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

/** The working-copy fields updateSite writes; an absent field keeps its value. */
export type SitePatch = Partial<Pick<SiteRecord, 'name' | 'origins' | 'definition' | 'policy'>>;

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; the store it receives writes inside it. Nested calls join it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Resolves when the database answers a trivial query (GET /readyz). */
  ping(): Promise<void>;

  listSites(): Promise<SiteSummary[]>;
  getSite(id: string): Promise<SiteRecord | null>;
  /** false when a site with this id exists already (nothing is written) */
  createSite(site: NewSite, at: string): Promise<boolean>;
  /** Whether a site exists and when it was disabled (null: enabled); null for an unknown site. One small query. */
  siteStatus(id: string): Promise<{ disabledAt: string | null } | null>;
  /** Marks the site disabled at `at` (kept when it is disabled already); false for an unknown site. */
  disableSite(id: string, at: string): Promise<boolean>;
  updateSite(id: string, patch: SitePatch, at: string): Promise<void>;
  /** Takes the row lock that serialises publishes of one site (inside a transaction). */
  lockSite(id: string): Promise<void>;

  /** Inserts a new version (its series is computed from the manifest: src/server/series.ts); fails if (site, version) exists. */
  addVersion(v: Omit<PublishedVersion, 'series'>): Promise<void>;
  currentVersion(site: string): Promise<PublishedVersion | null>;
  /** The current version's number and JWS only (what GET /v1/sites/:site/manifest serves, polled by every SDK), and whether the site is disabled. */
  currentJws(site: string): Promise<CurrentJws | null>;
  /** Each published site's current version and its manifest's expiresAt, by site id (nothing else of the manifest is read). */
  currentExpiries(): Promise<{ site: string; version: number; expiresAt: string }[]>;
  getVersion(site: string, version: number): Promise<PublishedVersion | null>;
  listVersions(site: string): Promise<VersionSummary[]>;

  addSigningKey(k: SigningKeyRecord): Promise<void>;
  /** newest first */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Deletes a key pair (retiring it): it leaves the JWKS and can sign nothing more. */
  deleteSigningKey(kid: string): Promise<void>;

  /** false when an account of that name exists already (nothing is written) */
  createAccount(a: AccountRecord): Promise<boolean>;
  getAccount(name: string): Promise<AccountRecord | null>;
  accountByTokenHash(tokenHash: string): Promise<AccountRecord | null>;
  setAccountPassword(name: string, passwordHash: string): Promise<void>;
  /** by name */
  listAccounts(): Promise<AccountRecord[]>;

  /**
   * Idempotent by report id (per site and period): a report stored already is skipped. In the same
   * statement, the sums of the new reports are added to report_totals under their version's series.
   * A report whose site did not publish its version is not stored (admission refuses it before).
   */
  insertReports(reports: readonly Report[], receivedDay: number): Promise<{ inserted: number }>;
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

  appendAudit(entry: AuditInput): Promise<number>;
  /** newest first */
  listAudit(opts?: { site?: string; limit?: number }): Promise<AuditRecord[]>;
}

/** The few things a driver provides. `exec` runs several statements without parameters. */
export interface Db {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  exec(text: string): Promise<void>;
  transaction<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const json = (v: unknown): string => JSON.stringify(v);

/** Applies the migrations (of `list`, default all) not yet recorded in schema_migrations, each in its own transaction. */
export async function migrate(db: Db, list: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await db.exec(
    'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at text not null)',
  );
  const applied: number[] = [];
  for (const m of list) {
    const done = await db.transaction(async (tx) => {
      // Two servers starting together on one PostgreSQL must not both apply a migration.
      await tx.query('select pg_advisory_xact_lock(727274)');
      const rows = await tx.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      if (m.run) await m.run(tx);
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

const toVersion = (r: VersionRow): PublishedVersion => ({
  site: r.site,
  version: r.version,
  manifest: r.manifest,
  jws: r.jws,
  kid: r.kid,
  publishedAt: r.published_at,
  publishedBy: r.published_by,
  series: r.series,
});

/** PostgreSQL's refusal of a row whose partition does not exist (another process's retention dropped it). */
const noPartition = (e: unknown): boolean => e instanceof Error && /no partition of relation/.test(e.message);

/** The Store over any Db: every statement both back ends run. */
export class SqlStore implements Store {
  /** `db` is public for tests and maintenance scripts that must see the raw rows. */
  constructor(
    readonly kind: 'pglite' | 'postgres',
    readonly db: Db,
    private readonly inTx = false,
    /** report partitions known to exist (a cache: a missing one is created again, see insertReports) */
    private readonly partitions = new Set<number>(),
  ) {}

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    return this.db.transaction((tx) => fn(new SqlStore(this.kind, tx, true, this.partitions)));
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async ping(): Promise<void> {
    await this.db.query('select 1');
  }

  async listSites(): Promise<SiteSummary[]> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      origins: string[];
      version: number | null;
      published_at: string | null;
      disabled_at: string | null;
    }>(
      `select s.id, s.name, s.origins, v.version, v.published_at, s.disabled_at from sites s
       left join lateral (select version, published_at from site_versions where site = s.id order by version desc limit 1) v on true
       order by s.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      origins: r.origins,
      currentVersion: r.version,
      publishedAt: r.published_at,
      disabledAt: r.disabled_at,
    }));
  }

  async getSite(id: string): Promise<SiteRecord | null> {
    const [r] = await this.db.query<SiteRow>('select * from sites where id = $1', [id]);
    return r
      ? {
          id: r.id,
          name: r.name,
          origins: r.origins,
          definition: r.definition,
          policy: r.policy,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
          disabledAt: r.disabled_at,
        }
      : null;
  }

  async siteStatus(id: string): Promise<{ disabledAt: string | null } | null> {
    const [r] = await this.db.query<{ disabled_at: string | null }>(
      'select disabled_at from sites where id = $1',
      [id],
    );
    return r ? { disabledAt: r.disabled_at } : null;
  }

  async disableSite(id: string, at: string): Promise<boolean> {
    const rows = await this.db.query(
      'update sites set disabled_at = coalesce(disabled_at, $2), updated_at = $2 where id = $1 returning id',
      [id, at],
    );
    return rows.length === 1;
  }

  async createSite(site: NewSite, at: string): Promise<boolean> {
    const rows = await this.db.query(
      `insert into sites (id, name, origins, definition, policy, created_at, updated_at)
       values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $6) on conflict (id) do nothing returning id`,
      [site.id, site.name, json(site.origins), json(site.definition), json(site.policy), at],
    );
    return rows.length === 1;
  }

  async updateSite(id: string, patch: SitePatch, at: string): Promise<void> {
    await this.db.query(
      `update sites set name = coalesce($2, name), origins = coalesce($3::jsonb, origins),
         definition = coalesce($4::jsonb, definition), policy = coalesce($5::jsonb, policy), updated_at = $6
       where id = $1`,
      [
        id,
        patch.name ?? null,
        patch.origins ? json(patch.origins) : null,
        patch.definition ? json(patch.definition) : null,
        patch.policy ? json(patch.policy) : null,
        at,
      ],
    );
  }

  async lockSite(id: string): Promise<void> {
    await this.db.query('select id from sites where id = $1 for update', [id]);
  }

  async addVersion(v: Omit<PublishedVersion, 'series'>): Promise<void> {
    await this.db.query(
      `insert into site_versions (site, version, manifest, jws, kid, published_at, published_by, series)
       values ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)`,
      [
        v.site,
        v.version,
        json(v.manifest),
        v.jws,
        v.kid,
        v.publishedAt,
        v.publishedBy,
        seriesKey(v.manifest),
      ],
    );
  }

  async currentVersion(site: string): Promise<PublishedVersion | null> {
    const [r] = await this.db.query<VersionRow>(
      'select * from site_versions where site = $1 order by version desc limit 1',
      [site],
    );
    return r ? toVersion(r) : null;
  }

  async currentJws(site: string): Promise<CurrentJws | null> {
    const [r] = await this.db.query<Pick<VersionRow, 'version' | 'jws'> & { disabled: boolean }>(
      `select v.version, v.jws, s.disabled_at is not null as disabled from site_versions v
       join sites s on s.id = v.site where v.site = $1 order by v.version desc limit 1`,
      [site],
    );
    return r ? { version: r.version, jws: r.jws, disabled: r.disabled } : null;
  }

  async currentExpiries(): Promise<{ site: string; version: number; expiresAt: string }[]> {
    return this.db.query<{ site: string; version: number; expiresAt: string }>(
      `select s.id as site, v.version, v.expires_at as "expiresAt" from sites s
       join lateral (select version, manifest->>'expiresAt' as expires_at from site_versions where site = s.id order by version desc limit 1) v on true
       where s.disabled_at is null order by s.id`,
    );
  }

  async getVersion(site: string, version: number): Promise<PublishedVersion | null> {
    const [r] = await this.db.query<VersionRow>(
      'select * from site_versions where site = $1 and version = $2',
      [site, version],
    );
    return r ? toVersion(r) : null;
  }

  async listVersions(site: string): Promise<VersionSummary[]> {
    const rows = await this.db.query<Omit<VersionRow, 'manifest' | 'jws'>>(
      'select site, version, kid, published_at, published_by, series from site_versions where site = $1 order by version desc',
      [site],
    );
    return rows.map((r) => ({
      site: r.site,
      version: r.version,
      kid: r.kid,
      publishedAt: r.published_at,
      publishedBy: r.published_by,
      series: r.series,
    }));
  }

  async addSigningKey(k: SigningKeyRecord): Promise<void> {
    await this.db.query(
      'insert into signing_keys (kid, created_at, public_jwk, private_jwk) values ($1, $2, $3::jsonb, $4::jsonb)',
      [k.kid, k.createdAt, json(k.publicJwk), json(k.privateJwk)],
    );
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.db.query<SigningKeyRow>(
      'select * from signing_keys order by created_at desc, kid desc',
    );
    return rows.map((r) => ({
      kid: r.kid,
      createdAt: r.created_at,
      publicJwk: r.public_jwk,
      privateJwk: r.private_jwk,
    }));
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.db.query('delete from signing_keys where kid = $1', [kid]);
  }

  async createAccount(a: AccountRecord): Promise<boolean> {
    const rows = await this.db.query(
      `insert into accounts (name, role, password_hash, token_hash, created_at, created_by)
       values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning name`,
      [a.name, a.role, a.passwordHash, a.tokenHash, a.createdAt, a.createdBy],
    );
    return rows.length === 1;
  }

  async getAccount(name: string): Promise<AccountRecord | null> {
    const [r] = await this.db.query<AccountRow>('select * from accounts where name = $1', [name]);
    return r ? toAccount(r) : null;
  }

  async accountByTokenHash(tokenHash: string): Promise<AccountRecord | null> {
    const [r] = await this.db.query<AccountRow>('select * from accounts where token_hash = $1', [tokenHash]);
    return r ? toAccount(r) : null;
  }

  async setAccountPassword(name: string, passwordHash: string): Promise<void> {
    await this.db.query('update accounts set password_hash = $2 where name = $1', [name, passwordHash]);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return (await this.db.query<AccountRow>('select * from accounts order by name')).map(toAccount);
  }

  /** Creates the partitions of `periods` that this process has not seen yet (under an advisory lock, so two processes do not race). */
  private async ensurePartitions(periods: Iterable<number>, db: Db): Promise<void> {
    const missing = [...new Set([...periods].map((p) => partitionOf(p).week))].filter(
      (w) => !this.partitions.has(w),
    );
    if (missing.length === 0) return;
    // In the caller's transaction: the lock is held until it ends, so a partition is created once.
    await db.query('select pg_advisory_xact_lock(727275)');
    for (const w of missing) await db.exec(createPartitionSql(w * PARTITION_DAYS));
    for (const w of missing) this.partitions.add(w);
  }

  /** Each (site, version)'s series and feature count; published versions never change, so a process may keep them. */
  private readonly versionInfo = new Map<string, { series: string; d: number } | null>();

  private async versionsOf(
    db: Db,
    reports: readonly Report[],
  ): Promise<Map<string, { series: string; d: number } | null>> {
    const key = (site: string, version: number) => `${site}\u0000${version}`;
    const missing = [...new Set(reports.map((r) => key(r.site, r.manifestVersion)))].filter(
      (k) => !this.versionInfo.get(k),
    );
    if (missing.length > 0) {
      const rows = await db.query<{ site: string; version: number; series: string; d: number }>(
        `select v.site, v.version, v.series, jsonb_array_length(v.manifest->'features') as d
         from site_versions v join jsonb_to_recordset($1::jsonb) as w(site text, version integer)
           on w.site = v.site and w.version = v.version`,
        [json(missing.map((k) => ({ site: k.split('\u0000')[0], version: Number(k.split('\u0000')[1]) })))],
      );
      for (const k of missing) this.versionInfo.set(k, null);
      for (const r of rows) this.versionInfo.set(key(r.site, r.version), { series: r.series, d: r.d });
    }
    return this.versionInfo;
  }

  async insertReports(reports: readonly Report[], receivedDay: number): Promise<{ inserted: number }> {
    if (reports.length === 0) return { inserted: 0 };
    const insert = () =>
      this.transaction(async (tx) => {
        const db = (tx as SqlStore).db;
        await this.ensurePartitions(
          reports.map((r) => r.period),
          db,
        );
        const info = await this.versionsOf(db, reports);
        const known = reports.flatMap((report) => {
          const v = info.get(`${report.site}\u0000${report.manifestVersion}`);
          return v ? [{ ...v, report }] : [];
        });
        // One statement for the batch; ON CONFLICT DO NOTHING also skips a repeat inside it.
        const rows = await db.query<{ site: string; period: number; id: string }>(
          `insert into reports (site, period, id, series, manifest_version, received_day, report)
           select r.site, (r.report->>'period')::integer, r.report->>'id', r.series, (r.report->>'manifestVersion')::integer, $2, r.report
           from jsonb_to_recordset($1::jsonb) as r(site text, series text, report jsonb)
           on conflict (site, period, id) do nothing returning site, period, id`,
          [
            json(known.map((k) => ({ site: k.report.site, series: k.series, report: k.report }))),
            receivedDay,
          ],
        );
        // The sums of exactly the reports inserted (the first of a repeated id), in the same transaction.
        const inserted = new Set(rows.map((r) => `${r.site}\u0000${r.period}\u0000${r.id}`));
        await addTotals(
          db,
          known.filter((k) =>
            inserted.delete(`${k.report.site}\u0000${k.report.period}\u0000${k.report.id}`),
          ),
        );
        return { inserted: rows.length };
      });
    try {
      return await insert();
    } catch (e) {
      // A partition this process knew of was dropped by another (retention): forget them all, once.
      if (this.inTx || !noPartition(e)) throw e;
      this.partitions.clear();
      return insert();
    }
  }

  async reportTotals(
    site: string,
    series: string,
    opts: { maxPeriod?: number } = {},
  ): Promise<ReportTotal[]> {
    return this.db.query<ReportTotal>(
      `select period, model, oracle, k, eps, value, dim, n::float8 as n, nf::float8 as nf, s, ss
       from report_totals
       where site = $1 and series = $2 and ($3::integer is null or period <= $3::integer)
       order by period`,
      [site, series, opts.maxPeriod ?? null],
    );
  }

  async dropReportsBefore(day: number): Promise<{ partitions: string[]; keptFrom: number }> {
    const keptFrom = partitionOf(day).from;
    return this.transaction(async (tx) => {
      const db = (tx as SqlStore).db;
      await db.query('select pg_advisory_xact_lock(727275)');
      const parts = await db.query<{ name: string }>(
        `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
         where i.inhparent = 'reports'::regclass order by c.relname`,
      );
      const dropped = parts
        .map((p) => p.name)
        .filter((name) => {
          const w = /^reports_w(\d+)$/.exec(name);
          return w !== null && (Number(w[1]) + 1) * PARTITION_DAYS <= keptFrom;
        });
      for (const name of dropped) await db.exec(`drop table ${name}`);
      await db.query('delete from report_totals where period < $1', [keptFrom]);
      for (const name of dropped) this.partitions.delete(Number(name.slice('reports_w'.length)));
      return { partitions: dropped, keptFrom };
    });
  }

  async listReports(site: string, version: number): Promise<Report[]> {
    const rows = await this.db.query<{ report: Report }>(
      'select report from reports where site = $1 and manifest_version = $2 order by id',
      [site, version],
    );
    return rows.map((r) => r.report);
  }

  async countReports(site: string, version?: number): Promise<number> {
    const [r] = await this.db.query<{ n: number }>(
      'select count(*)::integer as n from reports where site = $1 and ($2::integer is null or manifest_version = $2::integer)',
      [site, version ?? null],
    );
    return r?.n ?? 0;
  }

  async reportCounts(site: string, version: number | null): Promise<{ total: number; ofVersion: number }> {
    const [r] = await this.db.query<{ total: number; of_version: number }>(
      'select count(*)::integer as total, (count(*) filter (where manifest_version = $2::integer))::integer as of_version from reports where site = $1',
      [site, version],
    );
    return { total: r?.total ?? 0, ofVersion: r?.of_version ?? 0 };
  }

  async appendAudit(e: AuditInput): Promise<number> {
    const [r] = await this.db.query<{ id: number }>(
      `insert into audit_log (at, actor, action, site, version, summary, detail)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb) returning id`,
      [e.at, e.actor, e.action, e.site, e.version, e.summary, json(e.detail)],
    );
    return r!.id;
  }

  async listAudit(opts: { site?: string; limit?: number } = {}): Promise<AuditRecord[]> {
    return this.db.query<AuditRecord>(
      `select id, at, actor, action, site, version, summary, detail from audit_log
       where ($1::text is null or site = $1::text) order by id desc limit $2`,
      [opts.site ?? null, Math.min(Math.max(opts.limit ?? 200, 1), 1000)],
    );
  }
}
