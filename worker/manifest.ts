/**
 * The manifest the engine works under: fetched, verified, cached and adopted as one value, the
 * CurrentManifest (payload, what is stored of it, the vocabulary its features read, its segments).
 */
import type { JWK } from 'jose';
import { verifyManifest, type ManifestRefusal } from '../src/core/manifest.js';
import { deviceCeilings } from '../src/core/privacy/ceilings.js';
import { vocabularyOf, type Vocabulary } from '../src/core/minimise.js';
import { segmentContexts, type Decision, type SegmentContext } from '../src/core/policy.js';
import type { EngineConfig } from '../src/core/protocol.js';
import type { Manifest, Model, Segment, StoredManifest } from '../src/core/schema.js';
import type { AuditLog, EngineDeps } from './deps.js';
import type { DeviceStore } from './store.js';

/** A segment of the manifest with what the policy needs to know of it. */
export type CatalogEntry = { ctx: SegmentContext; segment: Segment; model: Model };
/** One model's segment for this learner, and the policy's decision on it under the current consent. */
export type Assignment = CatalogEntry & { index: number; decision: Decision };

/** The adopted manifest: its payload, its stored record, the vocabulary its features read, its segments by id. */
export type CurrentManifest = {
  manifest: Manifest;
  meta: StoredManifest;
  vocab: Vocabulary;
  catalog: Map<string, CatalogEntry>;
};
/** Whether a manifest was adopted, and if not, why. */
export type ManifestStatus = {
  status: 'accepted' | 'missing' | 'refused';
  reason?: ManifestRefusal | 'network';
};

/** The manifest request's options: no HTTP cache, no cookies, no referrer (and no headers at all). */
const MANIFEST_FETCH: RequestInit = {
  cache: 'no-store',
  credentials: 'omit',
  referrerPolicy: 'no-referrer',
};

/** Fetches, verifies and adopts the manifest; falls back to the last good one (re-verified) on failure. */
export async function loadManifest(
  store: DeviceStore,
  config: Pick<
    EngineConfig,
    'manifestUrl' | 'publicKeys' | 'site' | 'maxEpsilonPerReport' | 'maxEpsilonWindow'
  >,
  deps: Pick<EngineDeps, 'fetch' | 'now' | 'origin' | 'floor'>,
  log: AuditLog,
): Promise<{ current: CurrentManifest | null; manifestStatus: ManifestStatus }> {
  let status: ManifestStatus = { status: 'missing' };
  const cached = (await store.get<StoredManifest>('manifest')) ?? null;
  // Rollback protection: never below the highest version accepted, which forget() does not erase
  // (the floor), nor below the cached one (a store from before the floor existed).
  const floor = await deps.floor.get(config.site, store.persisted);
  const opts = () => ({
    publicKeys: config.publicKeys as JWK[],
    site: config.site,
    origin: deps.origin,
    now: new Date(deps.now()),
    ceilings: deviceCeilings(config),
    minVersion: Math.max(floor ?? 1, cached?.version ?? 1),
  });
  const accept = async (manifest: Manifest, meta: StoredManifest) => {
    await deps.floor.raise(config.site, meta.version, store.persisted);
    return adopt(manifest, meta);
  };
  let fetched: string | null = null;
  try {
    // Nothing that could tag the device: no cookie, no referrer, no HTTP cache (so no validator
    // the server chose is replayed, also before consent), and no If-None-Match of ours.
    const res = await deps.fetch(config.manifestUrl, MANIFEST_FETCH);
    if (res.status === 200) fetched = (await res.text()).trim();
    else status = { status: 'missing', reason: 'network' };
  } catch {
    status = { status: 'missing', reason: 'network' };
  }
  if (fetched) {
    const r = await verifyManifest(fetched, opts());
    if (r.ok) {
      const meta: StoredManifest = {
        jws: fetched,
        version: r.manifest.version,
        kid: r.kid,
        acceptedAt: deps.now(),
      };
      await store.set('manifest', meta);
      if (!cached || cached.version !== meta.version || cached.kid !== meta.kid)
        await log('manifest-accepted', { version: meta.version, kid: meta.kid });
      return accept(r.manifest, meta);
    }
    await log('manifest-refused', { reason: r.reason, message: r.message });
    status = { status: 'refused', reason: r.reason };
  }
  if (cached) {
    // The last good manifest must still check out against today's keys, site, origin, clock and floor.
    const r = await verifyManifest(cached.jws, opts());
    if (r.ok) return accept(r.manifest, cached);
    await log('manifest-refused', { reason: r.reason, message: r.message, cached: true });
    status = { status: 'refused', reason: r.reason };
  }
  return { current: null, manifestStatus: status };
}

function adopt(
  manifest: Manifest,
  meta: StoredManifest,
): { current: CurrentManifest; manifestStatus: ManifestStatus } {
  const catalog = new Map(
    segmentContexts(manifest).map((ctx): [string, CatalogEntry] => {
      const model = manifest.models.find((m) => m.id === ctx.model)!;
      return [ctx.id, { ctx, model, segment: model.segments.find((s) => s.id === ctx.id)! }];
    }),
  );
  return {
    current: { manifest, meta, vocab: vocabularyOf(manifest.features), catalog },
    manifestStatus: { status: 'accepted' },
  };
}
