/**
 * Seeds the demo site `lingua-kids`: its definition (features.ts, models.ts and documentation.ts beside this file), its policy,
 * its origins, and the first publish or the republish when the origins change.
 */
import type { Model, SiteDefinition, SitePolicy } from '../../core/schema.js';
import { publishSite } from '../sites/publish.js';
import type { Signer } from '../identity/keys.js';
import { SEED_FEATURES } from './features.js';
import { seedModels } from './models.js';
import type { NewSite, Store } from '../storage/store.js';

// The features are data (features.ts); re-exported for the tests and scripts that read them.
export { SEED_FEATURES } from './features.js';

export const SEED_SITE = 'lingua-kids';
const SEED_ACTOR = 'system (seed)';

/** Everything but general-audience may be released; the pace segments may be reported in clear. */
export function seedPolicy(models: Model[]): SitePolicy {
  const all = models.flatMap((m) => m.segments.map((s) => s.id));
  return {
    allowed: all.filter((id) => id !== 'general-audience'),
    clear: models.find((m) => m.id === 'pace')!.segments.map((s) => s.id),
  };
}

/** The site's definition (features, models, reporting, retention) before it is published. */
export function seedDefinition(date: string): SiteDefinition {
  return {
    features: SEED_FEATURES,
    models: seedModels(date),
    reporting: {
      periodDays: 7,
      epsilonSegment: 1,
      epsilonFeatures: 2,
      // 'report': a demo must show a report on a learner's first visit. A site created through the
      // admin waits a window instead (sites.ts templateOf; PRIVACY.md "Storage that disappears").
      budget: { windowDays: 28, maxEpsilon: 24, freshStore: 'report' },
      kThreshold: 50,
    },
    retention: { rawEventDays: 30, rollupDays: 180 },
  };
}

/** The loopback origins of a port, then the extra ones (EDSEG_ORIGINS), without duplicates. */
export function seedOrigins(port: number, extra: readonly string[] = []): string[] {
  return [
    ...new Set([
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
      ...extra.map((o) => o.trim()).filter(Boolean),
    ]),
  ];
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost):\d+$/;

export type SeedResult = { created: boolean; republished: boolean; version: number };

/**
 * Seeds `lingua-kids` (signed version 1) on first run. On a later run, when the loopback origins
 * the server listens on (or EDSEG_ORIGINS) differ from the published ones, republishes with the
 * right origins: loopback origins of other ports are replaced, any other origin an admin added is kept.
 * With `followPort: false` (PostgreSQL, where several processes share the site) loopback origins
 * are never replaced, only EDSEG_ORIGINS added, so processes on other ports publish nothing.
 */
export async function seedDemoSite(
  store: Store,
  signer: Signer,
  opts: { port: number; extraOrigins?: readonly string[]; now: Date; followPort?: boolean },
): Promise<SeedResult> {
  const wanted = seedOrigins(opts.port, opts.extraOrigins);
  const date = opts.now.toISOString().slice(0, 10);
  const definition = seedDefinition(date);
  const site: NewSite = {
    id: SEED_SITE,
    name: 'Lingua Kids (demo)',
    origins: wanted,
    definition,
    policy: seedPolicy(definition.models),
  };
  const created = await store.createSite(site, opts.now.toISOString());
  const current = await store.currentVersion(SEED_SITE);
  if (created || !current) {
    const v = await publishSite(store, signer, SEED_SITE, {
      actor: SEED_ACTOR,
      now: opts.now,
      note: 'seeded the demo site',
    });
    return { created, republished: false, version: v.version };
  }
  const record = (await store.getSite(SEED_SITE))!;
  // An owner disabled the demo site: it stays as it is (a disabled site publishes nothing).
  if (record.disabledAt) return { created: false, republished: false, version: current.version };
  // One process (PGlite): the loopback origins follow its port. Several processes on one PostgreSQL
  // (followPort false) each listen on their own: the first start's stay, so the seed publishes once.
  const origins =
    opts.followPort === false
      ? [...new Set([...record.origins, ...(opts.extraOrigins ?? []).map((o) => o.trim()).filter(Boolean)])]
      : [...new Set([...record.origins.filter((o) => !LOOPBACK.test(o)), ...wanted])];
  if (sameSet(origins, current.manifest.site.origins) && sameSet(origins, record.origins))
    return { created: false, republished: false, version: current.version };
  await store.updateSite(SEED_SITE, { origins }, opts.now.toISOString());
  const v = await publishSite(store, signer, SEED_SITE, {
    actor: SEED_ACTOR,
    now: opts.now,
    note: `origins follow the port the server listens on (${opts.port})`,
  });
  return { created: false, republished: true, version: v.version };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));
