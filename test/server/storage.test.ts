/**
 * The Store contract, run against both back ends: embedded PGlite and a real PostgreSQL
 * (DATABASE_URL, .cache/pg-url, or a throwaway cluster from scripts/pg.mjs). Neither is optional:
 * if PostgreSQL cannot be started, these tests fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditRecord,
  PublishedVersion,
  SigningKeyRecord,
  SiteRecord,
  SiteSummary,
  VersionSummary,
} from '../../src/core/schema.js';
import { createSigner, generateSigningKey } from '../../src/server/identity/keys.js';
import { buildManifest, publishSite } from '../../src/server/sites/publish.js';
import { seedDefinition, seedOrigins, seedPolicy } from '../../src/server/demo/seed.js';
import { migrate } from '../../src/server/storage/store.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import { MIGRATIONS } from '../../src/server/storage/migrations.js';
import { seriesKey } from '../../src/server/estimates/series.js';
import { pgliteBackend, postgresBackend } from './pg-harness.js';
import { NOW, expectShape, sampleReports } from './helpers.js';

const def = seedDefinition('2025-06-02');
const site = (id: string): Omit<SiteRecord, 'createdAt' | 'updatedAt' | 'disabledAt'> => ({
  id,
  name: `Site ${id}`,
  origins: seedOrigins(8787),
  definition: def,
  policy: seedPolicy(def.models),
});
const manifestOf = (id: string, version: number) =>
  buildManifest({ ...site(id), createdAt: '', updatedAt: '' }, version, NOW);
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();

describe.each([pgliteBackend(), postgresBackend()])('Store on $name', (backend) => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('records every migration in schema_migrations', async () => {
    const rows = await store.db.query<{ version: number }>(
      'select version from schema_migrations order by version',
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('applies no migration twice', async () => {
    expect(await migrate(store.db)).toEqual([]);
  });

  it('reports its kind', () => {
    expect(store.kind).toBe(backend.name);
  });

  it('creates a site once and reads it back whole', async () => {
    expect(await store.createSite(site('alpha'), at(0))).toBe(true);
    expect(await store.createSite({ ...site('alpha'), name: 'other' }, at(1))).toBe(false);
    expect(await store.getSite('alpha')).toEqual({
      ...site('alpha'),
      createdAt: at(0),
      updatedAt: at(0),
      disabledAt: null,
    });
  });

  it('answers null for a site that does not exist', async () => {
    expect(await store.getSite('nope')).toBeNull();
  });

  it('updates only the fields given', async () => {
    await store.updateSite('alpha', { policy: { allowed: ['sprinter'], clear: [] } }, at(2));
    const s = (await store.getSite('alpha'))!;
    expect(s.policy).toEqual({ allowed: ['sprinter'], clear: [] });
    expect(s.origins).toEqual(site('alpha').origins);
    expect(s.updatedAt).toBe(at(2));
  });

  it('stores versions and returns the newest as current', async () => {
    for (const v of [1, 2]) {
      await store.addVersion({
        site: 'alpha',
        version: v,
        manifest: manifestOf('alpha', v),
        jws: `jws-${v}`,
        kid: 'k1',
        publishedAt: at(v),
        publishedBy: 'test',
      });
    }
    expect((await store.currentVersion('alpha'))!.version).toBe(2);
    expect((await store.getVersion('alpha', 1))!).toEqual({
      site: 'alpha',
      version: 1,
      manifest: manifestOf('alpha', 1),
      jws: 'jws-1',
      kid: 'k1',
      publishedAt: at(1),
      publishedBy: 'test',
      series: seriesKey(manifestOf('alpha', 1)),
    });
    expect((await store.listVersions('alpha')).map((v) => v.version)).toEqual([2, 1]);
  });

  it('refuses a second version with the same number', async () => {
    await expect(
      store.addVersion({
        site: 'alpha',
        version: 2,
        manifest: manifestOf('alpha', 2),
        jws: 'x',
        kid: 'k1',
        publishedAt: at(3),
        publishedBy: 'test',
      }),
    ).rejects.toThrow();
  });

  it('lists sites with their current version', async () => {
    await store.createSite(site('beta'), at(0));
    const { origins } = site('alpha');
    expect(await store.listSites()).toEqual([
      { id: 'alpha', name: 'Site alpha', origins, currentVersion: 2, publishedAt: at(2), disabledAt: null },
      { id: 'beta', name: 'Site beta', origins, currentVersion: null, publishedAt: null, disabledAt: null },
    ]);
  });

  it('disables a site once (the first time stays), and says so in every read', async () => {
    await store.createSite(site('gamma'), at(0));
    expect(await store.siteStatus('gamma')).toEqual({ disabledAt: null });
    expect(await store.disableSite('gamma', at(3))).toBe(true);
    expect(await store.disableSite('gamma', at(4))).toBe(true);
    expect(await store.disableSite('nope', at(4))).toBe(false);
    expect(await store.siteStatus('gamma')).toEqual({ disabledAt: at(3) });
    expect(await store.siteStatus('nope')).toBeNull();
    expect((await store.getSite('gamma'))!.disabledAt).toBe(at(3));
    expect((await store.listSites()).find((x) => x.id === 'gamma')!.disabledAt).toBe(at(3));
  });

  it('keeps accounts by name with their hashes, one per name and per token hash', async () => {
    const a = {
      name: 'ada',
      role: 'editor' as const,
      passwordHash: 'scrypt$1$1$1$c2FsdA$aGFzaA',
      tokenHash: 'th-ada',
      createdAt: at(0),
      createdBy: 'test',
      disabledAt: null,
    };
    expect(await store.createAccount(a)).toBe(true);
    expect(await store.createAccount({ ...a, tokenHash: 'th-other' })).toBe(false);
    await expect(store.createAccount({ ...a, name: 'bob' })).rejects.toThrow();
    expect(await store.getAccount('ada')).toEqual(a);
    expect(await store.accountByTokenHash('th-ada')).toEqual(a);
    expect(await store.accountByTokenHash('th-nope')).toBeNull();
    expect(await store.getAccount('nope')).toBeNull();
    expect((await store.listAccounts()).map((x) => x.name)).toEqual(['ada']);
    // disable, role, token: only what the patch names changes; false for an unknown name
    expect(await store.updateAccount('ada', { disabledAt: at(1), tokenHash: 'th-new' })).toBe(true);
    expect(await store.getAccount('ada')).toEqual({ ...a, disabledAt: at(1), tokenHash: 'th-new' });
    expect(await store.accountByTokenHash('th-ada')).toBeNull();
    expect(await store.updateAccount('ada', { role: 'owner' })).toBe(true);
    expect(await store.updateAccount('ada', { disabledAt: null })).toBe(true);
    expect(await store.getAccount('ada')).toEqual({ ...a, role: 'owner', tokenHash: 'th-new' });
    expect(await store.updateAccount('nope', { role: 'owner' })).toBe(false);
  });

  it('keeps signing keys, newest first, private part included', async () => {
    const a = await generateSigningKey(new Date(at(0)));
    const b = await generateSigningKey(new Date(at(5)));
    await store.addSigningKey(a);
    await store.addSigningKey(b);
    expect(await store.listSigningKeys()).toEqual([b, a]);
    await store.deleteSigningKey(a.kid);
    expect(await store.listSigningKeys()).toEqual([b]);
  });

  it('inserts reports idempotently by id and counts what was new', async () => {
    const reports = sampleReports(manifestOf('alpha', 1), 30, 11);
    expect(await store.insertReports(reports, 20_000)).toEqual({ inserted: 30 });
    expect(
      await store.insertReports(
        [...reports.slice(0, 10), ...sampleReports(manifestOf('alpha', 1), 5, 12)],
        20_001,
      ),
    ).toEqual({ inserted: 5 });
    expect(await store.countReports('alpha', 1)).toBe(35);
  });

  it('returns the reports of one site and version exactly as stored', async () => {
    const reports = sampleReports(manifestOf('alpha', 2), 4, 13);
    await store.insertReports(reports, 20_002);
    const back = await store.listReports('alpha', 2);
    expect(back).toEqual([...reports].sort((x, y) => (x.id < y.id ? -1 : 1)));
    expect(await store.countReports('alpha')).toBe(39);
  });

  it('serves the current JWS alone, without the manifest row, and null where nothing is published', async () => {
    expect(await store.currentJws('alpha')).toEqual({ version: 2, jws: 'jws-2', disabled: false });
    expect(await store.currentJws('beta')).toBeNull();
    expect(await store.currentJws('nope')).toBeNull();
  });

  it('lists the current expiry of every published site in one query', async () => {
    expect(await store.currentExpiries()).toEqual([
      { site: 'alpha', version: 2, expiresAt: manifestOf('alpha', 2).expiresAt },
    ]);
  });

  it("counts a site's reports in all and for one version in one query", async () => {
    expect(await store.reportCounts('alpha', 1)).toEqual({ total: 39, ofVersion: 35 });
    expect(await store.reportCounts('alpha', null)).toEqual({ total: 39, ofVersion: 0 });
    expect(await store.reportCounts('beta', 1)).toEqual({ total: 0, ofVersion: 0 });
  });

  it('appends audit entries and lists them newest first, by site, with a limit', async () => {
    const base = { actor: 'tester', action: 'note', version: null, detail: { n: 1 } };
    const id1 = await store.appendAudit({ ...base, at: at(10), site: 'alpha', summary: 'one' });
    const id2 = await store.appendAudit({ ...base, at: at(11), site: 'beta', summary: 'two' });
    const id3 = await store.appendAudit({ ...base, at: at(12), site: 'alpha', summary: 'three' });
    expect(id1 < id2 && id2 < id3).toBe(true);
    expect((await store.listAudit({ site: 'alpha' })).map((e) => e.summary)).toEqual(['three', 'one']);
    expect(await store.listAudit({ limit: 1 })).toEqual([
      { ...base, id: id3, at: at(12), site: 'alpha', summary: 'three' },
    ]);
  });

  it('reads back every record in the shape schema.ts declares for it', async () => {
    expectShape(SiteRecord, await store.getSite('alpha'));
    for (const summary of await store.listSites()) expectShape(SiteSummary, summary);
    expectShape(PublishedVersion, await store.currentVersion('alpha'));
    for (const v of await store.listVersions('alpha')) expectShape(VersionSummary, v);
    for (const k of await store.listSigningKeys()) expectShape(SigningKeyRecord, k);
    for (const e of await store.listAudit()) expectShape(AuditRecord, e);
  });

  it('rolls a failed transaction back entirely', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.appendAudit({
          at: at(20),
          actor: 't',
          action: 'x',
          site: 'alpha',
          version: null,
          summary: 'rolled back',
          detail: {},
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.listAudit()).map((e) => e.summary)).not.toContain('rolled back');
  });

  it('gives concurrent publishes of one site distinct, consecutive versions', async () => {
    const signer = await createSigner(store, () => NOW);
    const results = await Promise.all(
      [1, 2, 3].map((i) => publishSite(store, signer, 'beta', { actor: `admin ${i}`, now: NOW })),
    );
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3]);
    expect((await store.currentVersion('beta'))!.version).toBe(3);
  });
});
