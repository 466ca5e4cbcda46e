/**
 * The segments: features from the stored rollups, one segment per model the consent in force allows,
 * and the policy's release decision on each. Recompute reads rollups for the largest feature window,
 * never the raw events.
 */
import { computeFeatures, rollupWindowDays } from '../src/core/features.js';
import { assign, modelInput } from '../src/core/model.js';
import { decide, purposeAllowed } from '../src/core/policy.js';
import type { DebugListener } from '../src/core/protocol.js';
import { DAY_MS, dayOf, type ReleasedSegment, type StoredDecision } from '../src/core/schema.js';
import { CLOCK_SKEW_MS } from '../src/core/manifest.js';
import { DECISION_KEY, basisText, configBasis, type BasisConfig } from '../src/core/decision.js';
import { ready as tfReady } from '../src/core/tf.js';
import type { EngineDeps } from './deps.js';
import { consentInForce, type EngineState } from './state.js';

/**
 * Computes the features and assigns every model under the adopted manifest (none without one), in
 * `s.normalised` and `s.assignments`; the segments released, in the manifest's order.
 */
export async function assignSegments(
  s: EngineState,
  deps: Pick<EngineDeps, 'now'>,
  debug: DebugListener | undefined,
): Promise<ReleasedSegment[]> {
  const cur = s.current;
  if (!cur) {
    s.assignments = [];
    s.normalised = null;
    s.basis = null;
    return [];
  }
  const m = cur.manifest;
  await tfReady(); // once, on the first assignment: no manifest, no tfjs start-up
  const today = dayOf(deps.now());
  // The revision before the rows: a change between the two reads leaves a stored revision that no
  // longer matches this decision's (decision.ts), never one that matches other rows.
  const revision = await s.store.revision();
  // Only the rows of the event types the features read, over the largest feature window.
  const rollups = await s.store.rollupsSince(today - rollupWindowDays(m.features) + 1, cur.vocab.types);
  // What this decision is computed from, read here at once with the computation (saveDecision).
  s.basis = {
    jws: cur.meta.jws,
    consent: s.consent,
    gpc: s.gpc,
    declared: s.declared,
    revision,
    day: today,
  };
  const { normalised } = computeFeatures(rollups, s.declared, m.features, today);
  s.normalised = normalised;
  const names = m.features.map((f) => f.name);
  // Every consent change (and every change of GPC) recomputes, so each assignment's decision is
  // always the current one. A model whose purpose the consent in force does not allow is not
  // assigned at all: no segment is decided for a purpose the learner did not allow (the features
  // themselves are computed once for all models; they leave only noised, in the feature field).
  const consent = consentInForce(s);
  s.assignments = m.models.flatMap((model) => {
    const allowed = purposeAllowed(consent, model.purpose);
    if (!allowed.allowed) {
      debug?.('model-not-assigned', {
        model: model.id,
        purpose: model.purpose,
        reason: allowed.reason,
      });
      return [];
    }
    const { index } = assign(model, modelInput(model, names, normalised));
    const entry = cur.catalog.get(model.segments[index]!.id)!;
    return [{ ...entry, index, decision: decide(consent, entry.ctx, m.policy) }];
  });
  if (debug)
    for (const a of s.assignments)
      if (!a.decision.release)
        debug('segment-blocked', {
          segment: a.segment.id,
          model: a.model.id,
          reasons: a.decision.reasons,
        });
  return s.assignments
    .filter((a) => a.decision.release)
    .map(({ segment, model }) => ({
      id: segment.id,
      name: segment.name,
      purpose: model.purpose,
      manifestVersion: cur.meta.version,
      model: model.id,
    }));
}

/**
 * Stores the decision just released with what it was computed from (decision.ts), so that the next
 * start may release it before its recompute if all of it still holds. Only in a persisted store
 * (nothing is persisted before consent) and only under an adopted manifest. Its clock span: the day
 * the features were computed for (a window edge moves only at a day boundary), within the manifest's
 * validity as the verifier checks it (issuedAt less the tolerated skew, expiresAt).
 */
export async function saveDecision(
  s: Readonly<EngineState>,
  config: BasisConfig,
  deps: Pick<EngineDeps, 'origin'>,
  released: ReleasedSegment[],
): Promise<void> {
  const cur = s.current;
  const b = s.basis;
  if (!cur || !b || !s.store.persisted) return;
  const decision: StoredDecision = {
    released,
    basis: basisText({ ...configBasis(config, deps.origin), ...b }),
    notBefore: Math.max(b.day * DAY_MS, Date.parse(cur.manifest.issuedAt) - CLOCK_SKEW_MS),
    validUntil: Math.min((b.day + 1) * DAY_MS, Date.parse(cur.manifest.expiresAt)),
  };
  await s.store.set(DECISION_KEY, decision);
}
