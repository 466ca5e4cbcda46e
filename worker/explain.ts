/** What the learner can see of the device: the explanation of its decisions and the export of its data. */
import { decide } from '../src/core/policy.js';
import { budgetInUse } from '../src/core/privacy/accountant.js';
import { quietUntil } from '../src/core/privacy/ceilings.js';
import type { EngineConfig } from '../src/core/protocol.js';
import { DAY_MS, dayOf, type DeviceExport, type Explanation } from '../src/core/schema.js';
import { DECISION_KEY, isStoredDecision } from '../src/core/decision.js';
import type { EngineDeps } from './deps.js';
import { lastSpendFor } from './report.js';
import { consentInForce, whyBlocked, type EngineState } from './state.js';

/** The Explanation of what the engine holds and decided, for explain(). */
export async function explanation(
  s: Readonly<EngineState>,
  config: Pick<EngineConfig, 'site'>,
  deps: Pick<EngineDeps, 'now' | 'origin' | 'floor'>,
): Promise<Explanation> {
  const today = dayOf(deps.now());
  const blocked = whyBlocked(s);
  const cur = s.current;
  const reporting = cur?.manifest.reporting;
  const retention = cur?.manifest.retention ?? null;
  const [spends, counts, recent, lastSpend] = await Promise.all([
    s.store.budget(),
    s.store.counts(),
    retention ? s.store.rollupsSince(today - retention.rawEventDays + 1) : [],
    lastSpendFor(s, config, deps),
  ]);
  const quiet = reporting ? quietUntil(lastSpend, reporting.budget.windowDays) : null;
  const window = reporting
    ? budgetInUse(spends, config.site, today, reporting.budget.windowDays)
    : { spent: 0, reports: 0 };
  const lastPeriod = spends
    .filter((sp) => sp.site === config.site)
    .reduce<number | null>((m, sp) => (m === null || sp.period > m ? sp.period : m), null);
  // Events per type come from the rollups' event-count rows over the raw-event window: no scan of raw events.
  const events: Record<string, number> = {};
  for (const r of recent) if (r.prop === '') events[r.type] = (events[r.type] ?? 0) + r.count;
  return {
    site: config.site,
    origin: deps.origin,
    manifest: {
      status: s.manifestStatus.status,
      ...(cur ? { version: cur.meta.version, expiresAt: cur.manifest.expiresAt } : {}),
      ...(s.manifestStatus.reason ? { reason: s.manifestStatus.reason } : {}),
    },
    ...(blocked ? { blocked } : {}),
    consent: consentInForce(s),
    persisted: s.store.persisted,
    storage: s.store.persisted
      ? { mode: 'indexeddb' }
      : s.storageFault !== null
        ? { mode: 'memory', reason: s.storageBlocked ? 'blocked' : 'unavailable', error: s.storageFault }
        : { mode: 'memory', reason: 'consent' },
    held: { events: s.held.length, dropped: s.heldDropped },
    stored: {
      events,
      rollups: counts.rollups,
      pending: counts.outbox,
      declared: s.declared,
      retention,
    },
    segments: [...(cur?.catalog.values() ?? [])].map(({ ctx, segment }) => {
      const assigned = s.assignments.some((a) => a.segment.id === ctx.id);
      const d = decide(consentInForce(s), ctx, cur!.manifest.policy);
      const released = assigned && !blocked && d.release;
      return {
        id: ctx.id,
        name: segment.name,
        model: ctx.model,
        purpose: ctx.purpose,
        usesEducationRecord: ctx.usesEducationRecord,
        assigned,
        released,
        // The model's channel (PRIVACY.md "The shape rule"): the assigned segment goes on it, released or not.
        channel: assigned && !blocked ? d.channel : 'none',
        reasons: blocked ? [blocked] : d.reasons,
      };
    }),
    budget: {
      windowDays: reporting?.budget.windowDays ?? 0,
      spent: window.spent,
      cap: reporting?.budget.maxEpsilon ?? 0,
      reportsInWindow: window.reports,
      lastPeriod,
      ...(quiet !== null && quiet > today
        ? { quietUntil: new Date(quiet * DAY_MS).toISOString().slice(0, 10) }
        : {}),
    },
  };
}

/** Everything the device holds for this site, for exportData(). */
export async function deviceExport(
  s: Readonly<EngineState>,
  config: Pick<EngineConfig, 'site'>,
  deps: Pick<EngineDeps, 'now'>,
): Promise<DeviceExport> {
  const store = s.store;
  const [events, rollups, outbox, budget, audit, decision, [rollupRevision]] = await Promise.all([
    store.events(),
    store.rollups(),
    store.outbox(),
    store.budget(),
    store.auditLog(),
    store.get(DECISION_KEY),
    store.revision(),
  ]);
  return {
    site: config.site,
    exportedAt: new Date(deps.now()).toISOString(),
    persisted: store.persisted,
    events,
    rollups,
    declared: s.declared,
    consent: s.consent,
    manifest: s.current
      ? {
          version: s.current.meta.version,
          kid: s.current.meta.kid,
          acceptedAt: s.current.meta.acceptedAt,
          payload: s.current.manifest,
        }
      : null,
    outbox,
    budget,
    audit,
    decision: isStoredDecision(decision) ? decision : null,
    rollupRevision,
  };
}
