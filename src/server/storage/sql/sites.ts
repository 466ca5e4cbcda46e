/** The sites table: a site's working copy (name, origins, definition, policy) and whether it is disabled. */
import type { SiteRecord, SiteRow, SiteSummary } from '../../../core/schema.js';
import { json, type Db } from '../db.js';

/** What createSite takes: a site without its timestamps (a new site is enabled). */
export type NewSite = Omit<SiteRecord, 'createdAt' | 'updatedAt' | 'disabledAt'>;

/** The working-copy fields updateSite writes; an absent field keeps its value. */
export type SitePatch = Partial<Pick<SiteRecord, 'name' | 'origins' | 'definition' | 'policy'>>;

export interface SiteStore {
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
}

const toSite = (r: SiteRow): SiteRecord => ({
  id: r.id,
  name: r.name,
  origins: r.origins,
  definition: r.definition,
  policy: r.policy,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disabledAt: r.disabled_at,
});

export const siteSql = (db: Db): SiteStore => ({
  async listSites() {
    const rows = await db.query<{
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
  },

  async getSite(id) {
    const [r] = await db.query<SiteRow>('select * from sites where id = $1', [id]);
    return r ? toSite(r) : null;
  },

  async siteStatus(id) {
    const [r] = await db.query<{ disabled_at: string | null }>(
      'select disabled_at from sites where id = $1',
      [id],
    );
    return r ? { disabledAt: r.disabled_at } : null;
  },

  async disableSite(id, at) {
    const rows = await db.query(
      'update sites set disabled_at = coalesce(disabled_at, $2), updated_at = $2 where id = $1 returning id',
      [id, at],
    );
    return rows.length === 1;
  },

  async createSite(site, at) {
    const rows = await db.query(
      `insert into sites (id, name, origins, definition, policy, created_at, updated_at)
       values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $6) on conflict (id) do nothing returning id`,
      [site.id, site.name, json(site.origins), json(site.definition), json(site.policy), at],
    );
    return rows.length === 1;
  },

  async updateSite(id, patch, at) {
    await db.query(
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
  },

  async lockSite(id) {
    await db.query('select id from sites where id = $1 for update', [id]);
  },
});
