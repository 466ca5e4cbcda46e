/**
 * The last decision, stored with what it was computed from, and the test that releases it again at
 * the next start before the recompute (ARCHITECTURE.md "The start path", PRIVACY.md "What is
 * released when"). Shared by the main thread (src/client/early.ts reads the store and asks
 * `earlyDecision`) and the worker's engine (segments.ts, which stores the decision): one
 * implementation, no TensorFlow.js, no zod, no JOSE library.
 *
 * The released segments are a function of exactly the fields of DecisionBasis (segments.ts
 * `assignSegments`: the manifest, the consent in force with GPC, the declared preferences, the rollup
 * rows of the feature window, which the store's revision names, and the day; the manifest is adopted
 * only if it checks out against the pinned keys, site, origin, ceilings, floor and clock). Equal
 * bases give equal segments; a basis that holds by the clock alone holds from `notBefore` to
 * `validUntil`.
 */
import type { Consent, Declared, ReleasedSegment, StoredDecision } from './schema.js';
import type { EngineConfig } from './protocol.js';
import { dayOf } from './schema/time.js';

/** The learner's database of a site (worker/idb.ts). */
export const siteDbName = (site: string) => `edseg:${site}`;
/** The rollback floor's database (worker/floor.ts). */
export const FLOOR_DB = 'edseg-floor';

/** The kv key of the stored decision. */
export const DECISION_KEY = 'decision';
/** The kv key of the rollup revision: raised in the same transaction as every change to the rollup rows. */
export const REVISION_KEY = 'rollupRevision';

/** A stored rollup revision (none yet: 0). */
export const revisionOf = (v: unknown): number => (typeof v === 'number' ? v : 0);
/** The revision after one more change to the rollup rows. */
export const nextRevision = (v: unknown): number => revisionOf(v) + 1;

/**
 * The SDK build that computes and checks decisions: the package version and a hash of the browser
 * code it was built from (rollup.config.mjs replaces `__EDSEG_BUILD__`), `dev` where nothing replaced
 * it (tests, Node). Read at each call, not once, so a test can stand for another build.
 */
export const buildId = (): string => (typeof __EDSEG_BUILD__ === 'string' ? __EDSEG_BUILD__ : 'dev');

/** The store's state as a decision read it: [rollup revision, last event chunk's key (0: none)]. */
export type Revision = [number, number];

/** Everything a decision depends on that is not the clock. */
export type DecisionBasis = {
  /**
   * the SDK build (buildId): an update that changes the policy, consent rules, features or model
   * code computes another decision from the same data, so a decision of another build is not released
   */
  build: string;
  site: string;
  origin: string;
  /** the pinned keys and device ceilings the manifest was verified against */
  publicKeys: unknown;
  maxEpsilonPerReport: number | null;
  maxEpsilonWindow: number | null;
  /** the adopted manifest's JWS */
  jws: string;
  consent: Consent | null;
  /** Global Privacy Control as read for the decision (page or worker) */
  gpc: boolean;
  declared: Declared;
  /**
   * read before the rollups were: the rollup revision, and the key of the last raw-event chunk (an
   * SDK from before the revision, in another tab during a roll-out, stores events without raising
   * it, but every stored batch adds a chunk under a key never used before)
   */
  revision: Revision;
  /** the day the features were computed for */
  day: number;
};

/** What of the engine's config a basis names. */
export type BasisConfig = Pick<
  EngineConfig,
  'site' | 'publicKeys' | 'maxEpsilonPerReport' | 'maxEpsilonWindow' | 'pageGpc'
>;

/** The basis fields that come from the config and the worker's origin. */
export function configBasis(
  config: BasisConfig,
  origin: string,
): Pick<
  DecisionBasis,
  'build' | 'site' | 'origin' | 'publicKeys' | 'maxEpsilonPerReport' | 'maxEpsilonWindow'
> {
  return {
    build: buildId(),
    site: config.site,
    origin,
    publicKeys: config.publicKeys,
    maxEpsilonPerReport: config.maxEpsilonPerReport ?? null,
    maxEpsilonWindow: config.maxEpsilonWindow ?? null,
  };
}

/**
 * The basis as JSON, its fields in one fixed order: what a stored decision keeps (`basis`) and what
 * the next start compares with it, character for character. A record read back from the store keeps
 * its keys' order (structured clone), so the same values give the same text; values equal but in
 * another order would only give another text, and release nothing early. Not hashed: the comparison
 * is synchronous and needs no WebCrypto (a digest is one more hop off the page's thread before the
 * early release); all of it is already in the same database. The manifest stands in it by its JWS's
 * signature (86 characters, where the JWS is tens of KB): an ES256 signature covers the header and
 * payload, so two JWSs the pinned keys signed with the same signature are the same JWS (short of a
 * SHA-256 collision). Only a writer to the store could pair a signature with another payload, and
 * such a writer could as well write the decision itself.
 */
export const basisText = (b: DecisionBasis): string =>
  JSON.stringify([
    b.build,
    b.site,
    b.origin,
    b.publicKeys,
    b.maxEpsilonPerReport,
    b.maxEpsilonWindow,
    b.jws.slice(b.jws.lastIndexOf('.') + 1),
    b.consent,
    b.gpc,
    b.declared,
    b.revision,
    b.day,
  ]);

/** A stored decision's shape, checked without zod (a record that does not have it releases nothing). */
export function isStoredDecision(v: unknown): v is StoredDecision {
  const d = v as Partial<StoredDecision> | null;
  return (
    Array.isArray(d?.released) &&
    typeof d.basis === 'string' &&
    typeof d.notBefore === 'number' &&
    typeof d.validUntil === 'number'
  );
}

/**
 * The stored decision's segments if its basis is the one the start would compute on now, else null:
 * `now` within [notBefore, validUntil), and its basis the one read now.
 */
export function stillValid(stored: unknown, now: number, basisNow: DecisionBasis): ReleasedSegment[] | null {
  if (!isStoredDecision(stored)) return null;
  if (now < stored.notBefore || now >= stored.validUntil) return null;
  return basisText(basisNow) === stored.basis ? stored.released : null;
}

/**
 * What the early release reads of the learner's store, in one read-only transaction: the kv records
 * consent, declared, manifest, decision and rollupRevision, and the key of the last raw-event chunk
 * (the rollback floor is read in a second one, of `edseg-floor`).
 */
export const EARLY_KV_KEYS = ['consent', 'declared', 'manifest', DECISION_KEY, REVISION_KEY] as const;

/** The store as the early release read it (undefined: no record). */
export type EarlyRead = {
  consent: unknown;
  declared: unknown;
  manifest: unknown;
  decision: unknown;
  revision: unknown;
  /** the last raw-event chunk's key */
  lastChunk: unknown;
  /** the rollback floor's record for the site */
  floor: unknown;
};

/**
 * What the first recompute would release now, if the store alone tells, else null. `read` null: the
 * site has no learner database. `gpc`: read before anything else (the page's or the browser's).
 * - no learner database or no consent record, and no consent in the options: no consent in force,
 *   so nothing (`[]`);
 * - a stored decision whose basis equals the one read now (this build, the stored manifest, consent,
 *   GPC read now, preferences, rollup revision, today, the config's keys and ceilings, the origin),
 *   with `now` in its span, under a stored manifest the floor does not refuse: its segments.
 */
export function earlyDecision(
  read: EarlyRead | null,
  config: BasisConfig & Pick<EngineConfig, 'consent'>,
  origin: string,
  gpc: boolean,
  now: number,
): ReleasedSegment[] | null {
  if (!read?.consent) return config.consent ? null : [];
  const manifest = read.manifest as { jws?: unknown; version?: unknown } | undefined;
  if (typeof manifest?.jws !== 'string' || typeof manifest.version !== 'number') return null;
  const floor = (read.floor as { version?: unknown } | undefined)?.version;
  if (typeof floor === 'number' && floor > manifest.version) return null;
  return stillValid(read.decision, now, {
    ...configBasis(config, origin),
    jws: manifest.jws,
    consent: read.consent as Consent,
    gpc,
    declared: (read.declared ?? {}) as Declared,
    revision: [revisionOf(read.revision), typeof read.lastChunk === 'number' ? read.lastChunk : 0],
    day: dayOf(now),
  });
}
