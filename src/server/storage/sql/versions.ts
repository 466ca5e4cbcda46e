/** The site_versions table: each published version of a site (manifest, JWS, kid, series), never changed. */
import type { PublishedVersion, VersionRow, VersionSummary } from '../../../core/schema.js';
import { seriesKey } from '../../estimates/series.js';
import { json, type Db } from '../db.js';

/** What the manifest route reads: the current version's number and JWS, and whether the site is disabled. */
export type CurrentJws = Pick<PublishedVersion, 'version' | 'jws'> & { disabled: boolean };

export interface VersionStore {
  /** Inserts a new version (its series is computed from the manifest: src/server/estimates/series.ts); fails if (site, version) exists. */
  addVersion(v: Omit<PublishedVersion, 'series'>): Promise<void>;
  currentVersion(site: string): Promise<PublishedVersion | null>;
  /** The current version's number and JWS only (what GET /v1/sites/:site/manifest serves, polled by every SDK), and whether the site is disabled. */
  currentJws(site: string): Promise<CurrentJws | null>;
  /** Each published site's current version and its manifest's expiresAt, by site id (nothing else of the manifest is read). */
  currentExpiries(): Promise<{ site: string; version: number; expiresAt: string }[]>;
  getVersion(site: string, version: number): Promise<PublishedVersion | null>;
  listVersions(site: string): Promise<VersionSummary[]>;
  /** Each signing key's latest manifest expiresAt among every version it signed, by kid (a key that signed nothing is absent). */
  expiriesByKid(): Promise<Map<string, string>>;
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

export const versionSql = (db: Db): VersionStore => ({
  async addVersion(v) {
    await db.query(
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
  },

  async currentVersion(site) {
    const [r] = await db.query<VersionRow>(
      'select * from site_versions where site = $1 order by version desc limit 1',
      [site],
    );
    return r ? toVersion(r) : null;
  },

  async currentJws(site) {
    const [r] = await db.query<Pick<VersionRow, 'version' | 'jws'> & { disabled: boolean }>(
      `select v.version, v.jws, s.disabled_at is not null as disabled from site_versions v
       join sites s on s.id = v.site where v.site = $1 order by v.version desc limit 1`,
      [site],
    );
    return r ? { version: r.version, jws: r.jws, disabled: r.disabled } : null;
  },

  async currentExpiries() {
    return db.query<{ site: string; version: number; expiresAt: string }>(
      `select s.id as site, v.version, v.expires_at as "expiresAt" from sites s
       join lateral (select version, manifest->>'expiresAt' as expires_at from site_versions where site = s.id order by version desc limit 1) v on true
       where s.disabled_at is null order by s.id`,
    );
  },

  async expiriesByKid() {
    // ISO 8601 UTC strings of one format order as their instants do.
    const rows = await db.query<{ kid: string; until: string }>(
      `select kid, max(manifest->>'expiresAt') as until from site_versions group by kid`,
    );
    return new Map(rows.map((r) => [r.kid, r.until]));
  },

  async getVersion(site, version) {
    const [r] = await db.query<VersionRow>('select * from site_versions where site = $1 and version = $2', [
      site,
      version,
    ]);
    return r ? toVersion(r) : null;
  },

  async listVersions(site) {
    const rows = await db.query<Omit<VersionRow, 'manifest' | 'jws'>>(
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
  },
});
