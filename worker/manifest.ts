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
import { fetchJws } from './manifest-fetch.js';

export { fetchJws } from './manifest-fetch.js';

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

/** What loading and refreshing read of the engine's config. */
type ManifestConfig = Pick<
  EngineConfig,
  'manifestUrl' | 'publicKeys' | 'site' | 'maxEpsilonPerReport' | 'maxEpsilonWindow'
>;
type ManifestDeps = Pick<EngineDeps, 'fetch' | 'now' | 'origin' | 'floor'>;
/**
 * What loading or refreshing adopted (null: nothing may be released), why, and the JWS last fetched;
 * `refusal`: when nothing was adopted, the refusal to warn of (the fetched answer's, else the stored copy's).
 */
export type Loaded = {
  current: CurrentManifest | null;
  manifestStatus: ManifestStatus;
  fetched: string | null;
  refusal?: Refusal;
};
/** A manifest refused: the reason and the verifier's message. */
export type Refusal = { reason: ManifestRefusal; message: string };

/** The checks a manifest must pass on this device now, with the rollback floor `minVersion`. */
function verifyOptions(config: ManifestConfig, deps: ManifestDeps, minVersion: number) {
  return {
    publicKeys: config.publicKeys as JWK[],
    site: config.site,
    origin: deps.origin,
    now: new Date(deps.now()),
    ceilings: deviceCeilings(config),
    minVersion,
  };
}

/** Verifies a fetched JWS; on success stores it as the last good manifest, raises the floor and adopts it. */
async function acceptFetched(
  jws: string,
  previous: Pick<StoredManifest, 'version' | 'kid'> | null,
  minVersion: number,
  store: DeviceStore,
  config: ManifestConfig,
  deps: ManifestDeps,
  log: AuditLog,
  quiet = false,
): Promise<Loaded | { refused: Refusal }> {
  const r = await verifyManifest(jws, verifyOptions(config, deps, minVersion));
  if (!r.ok) {
    if (!quiet) await log('manifest-refused', { reason: r.reason, message: r.message });
    return { refused: { reason: r.reason, message: r.message } };
  }
  const meta: StoredManifest = { jws, version: r.manifest.version, kid: r.kid, acceptedAt: deps.now() };
  // Three independent writes (the store, its audit log, the floor's own database), at once.
  const isNew = !previous || previous.version !== meta.version || previous.kid !== meta.kid;
  await Promise.all([
    store.set('manifest', meta),
    isNew ? log('manifest-accepted', { version: meta.version, kid: meta.kid }) : undefined,
    deps.floor.raise(config.site, meta.version, store.persisted),
  ]);
  return { ...adopt(r.manifest, meta), fetched: jws };
}

/** The rollback floor: the highest version accepted, which forget() does not erase, and at least `version`. */
async function floorOf(config: ManifestConfig, deps: ManifestDeps, store: DeviceStore, version = 1) {
  return Math.max((await deps.floor.get(config.site, store.persisted)) ?? 1, version);
}

/**
 * Fetches, verifies and adopts the manifest; falls back to the last good one (re-verified) on failure.
 * A retry (`retry`: the JWS the last attempt fetched) audits a refusal only for an answer it had not
 * seen, so a manifest refused for good does not add an entry at every retry. `fetching`: the manifest
 * request already under way (the start sends it while the store opens), else it is sent here.
 */
export async function loadManifest(
  store: DeviceStore,
  config: ManifestConfig,
  deps: ManifestDeps,
  log: AuditLog,
  retry?: { seen: string | null },
  fetching: Promise<string | null> = fetchJws(config, deps),
): Promise<Loaded> {
  let status: ManifestStatus = { status: 'missing' };
  let refusal: Refusal | undefined;
  const [stored, floor, fetched] = await Promise.all([
    store.get<StoredManifest>('manifest'),
    floorOf(config, deps, store),
    fetching,
  ]);
  const cached = stored ?? null;
  // Rollback protection: never below the highest version accepted (the floor), nor below the cached
  // one (a store from before the floor existed).
  const minVersion = Math.max(floor, cached?.version ?? 1);
  if (fetched === null) status = { status: 'missing', reason: 'network' };
  else {
    const quiet = retry !== undefined && fetched === retry.seen;
    const r = await acceptFetched(fetched, cached, minVersion, store, config, deps, log, quiet);
    if (!('refused' in r)) return r;
    refusal = r.refused;
    status = { status: 'refused', reason: r.refused.reason };
  }
  if (cached) {
    // The last good manifest must still check out against today's keys, site, origin, clock and floor.
    const r = await verifyManifest(cached.jws, verifyOptions(config, deps, minVersion));
    if (r.ok) {
      await deps.floor.raise(config.site, cached.version, store.persisted);
      return { ...adopt(r.manifest, cached), fetched };
    }
    if (!retry) await log('manifest-refused', { reason: r.reason, message: r.message, cached: true });
    status = { status: 'refused', reason: r.reason };
    refusal ??= { reason: r.reason, message: r.message };
  }
  return { current: null, manifestStatus: status, fetched, ...(refusal ? { refusal } : {}) };
}

/**
 * The manifest while the page stays open: the same request as at start, then
 * - the same JWS as the one last fetched (`seen`) or the adopted one: nothing to verify, nothing changes;
 * - another JWS: verified against the floor and the adopted version; adopted if it checks out, else
 *   refused (logged once per JWS) and the adopted one stays;
 * - no answer: the adopted one stays.
 * With nothing adopted (a first visit offline, a refusal, an expiry) it is the start's load again.
 * The caller checks the expiry of what it keeps (hasExpired).
 */
export async function refreshManifest(
  current: CurrentManifest | null,
  seen: string | null,
  store: DeviceStore,
  config: ManifestConfig,
  deps: ManifestDeps,
  log: AuditLog,
): Promise<Loaded & { changed: boolean }> {
  if (!current) {
    const loaded = await loadManifest(store, config, deps, log, { seen });
    return { ...loaded, changed: loaded.current !== null };
  }
  const fetched = await fetchJws(config, deps);
  if (fetched !== null && fetched !== seen && fetched !== current.meta.jws) {
    const minVersion = await floorOf(config, deps, store, current.meta.version);
    const r = await acceptFetched(fetched, current.meta, minVersion, store, config, deps, log);
    if (!('refused' in r)) return { ...r, changed: true };
  }
  return { current, manifestStatus: { status: 'accepted' }, fetched: fetched ?? seen, changed: false };
}

/** Whether the adopted manifest is past its expiresAt at `now` (it then stops releasing, as at start). */
export function hasExpired(current: CurrentManifest, now: number): boolean {
  return now >= Date.parse(current.manifest.expiresAt);
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
