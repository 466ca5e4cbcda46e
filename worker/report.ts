/**
 * Reporting: the channel of each assignment, the queued reports a consent change no longer allows,
 * this period's report, and its delivery.
 */
import { purposeAllowed } from '../src/core/policy.js';
import { deviceCeilings, quietUntil, spendBudgets } from '../src/core/privacy/ceilings.js';
import { buildReport, type ModelAssignment } from '../src/core/privacy/report.js';
import type { EngineConfig } from '../src/core/protocol.js';
import { dayOf, periodOf, type Consent, type OutboxItem } from '../src/core/schema.js';
import type { AuditLog, EngineDeps } from './deps.js';
import type { Assignment } from './manifest.js';
import { FRESH_SINCE_KEY } from './consent.js';
import { deliver, type Delivered } from './outbox.js';
import { whyBlocked, type EngineState } from './state.js';

/** The channel for each model's assigned segment under the current consent and policy. */
export function channels(assignments: Assignment[]): ModelAssignment[] {
  return assignments.map((a) => ({
    model: a.model.id,
    index: a.index,
    k: a.model.segments.length,
    segmentId: a.segment.id,
    channel: a.decision.channel,
  }));
}

/** A withdrawal stops reports not yet sent: drop every queued field the current consent no longer allows. */
export async function dropDisallowedReports(s: Readonly<EngineState>, log: AuditLog): Promise<void> {
  const items = await s.store.outbox();
  if (items.length === 0) return;
  const analytics = purposeAllowed(s.consent, 'analytics').allowed && !whyBlocked(s);
  const now = new Map(channels(s.assignments).map((c) => [c.model, c.channel]));
  const drop = items.filter(
    (it) => !analytics || it.report.segments.some((f) => now.get(f.model) !== f.channel),
  );
  if (drop.length === 0) return;
  await s.store.removeOutbox(drop.map((d) => d.id));
  for (const d of drop) await log('report-dropped', { reportId: d.report.id, reason: 'consent-changed' });
}

/**
 * The day that stands for the device's last spend for the site (null or undefined: none): the one the
 * floor keeps (forget(), a store found gone), or, under the manifest's `freshStore: 'wait'`, the day
 * a store created with nothing known of the site was created, while it has spent nothing. That day is
 * then noted in the floor, so that it outlives a forget() or a wipe of the learner's database alone.
 */
export async function lastSpendFor(
  s: Readonly<EngineState>,
  config: Pick<EngineConfig, 'site'>,
  deps: Pick<EngineDeps, 'floor'>,
): Promise<number | null | undefined> {
  const known = (await deps.floor.record(config.site))?.lastSpend;
  if (known !== undefined || s.current?.manifest.reporting.budget.freshStore !== 'wait') return known;
  const created = await s.store.get<number>(FRESH_SINCE_KEY);
  if (created === undefined || (await s.store.budget()).some((sp) => sp.site === config.site)) return known;
  await deps.floor.noteLastSpend(config.site, created, s.store.persisted);
  return created;
}

/** Builds, spends for and queues this period's report, if due and allowed. */
export async function maybeReport(
  s: Readonly<EngineState>,
  config: Pick<EngineConfig, 'site' | 'maxEpsilonPerReport' | 'maxEpsilonWindow'>,
  deps: Pick<EngineDeps, 'now' | 'rng' | 'floor'>,
  log: AuditLog,
): Promise<void> {
  const cur = s.current;
  if (!cur || whyBlocked(s) || !s.consent || !s.store.persisted) return;
  const m = cur.manifest;
  if (!purposeAllowed(s.consent, 'analytics').allowed) return;
  const today = dayOf(deps.now());
  const period = periodOf(today, m.reporting.periodDays);
  // One report per period, and periods only move forward: a clock set back (or forward, then back) by
  // days never reports a period at or before one already reported.
  if ((await s.store.budget()).some((sp) => sp.site === config.site && sp.period >= period)) return;
  // A store deleted (forget(), or found gone) after a spend: nothing more inside that spend's windows.
  const until = quietUntil(await lastSpendFor(s, config, deps), m.reporting.budget.windowDays);
  if (until !== null && today < until) return;
  const report = buildReport({
    site: config.site,
    manifestVersion: cur.meta.version,
    period,
    assignments: channels(s.assignments),
    features: s.normalised,
    reporting: m.reporting,
    rng: deps.rng,
  });
  if (!report) return;
  const item: OutboxItem = {
    id: report.id,
    report,
    createdAt: deps.now(),
    attempts: 0,
    nextAttemptAt: 0,
  };
  const decision = await s.store.spendAndQueue(
    { site: config.site, day: today, period, epsilon: report.epsilon },
    // The manifest's budget and the device's own ceiling window, checked in the same transaction.
    spendBudgets(m.reporting.budget, deviceCeilings(config)),
    item,
  );
  if (decision.ok) {
    await log('report-queued', {
      reportId: report.id,
      period,
      channels: Object.fromEntries(report.segments.map((f) => [f.model, f.channel])),
      epsilon: report.epsilon,
    });
  }
}

/** Sends the queued reports to the collector, unless this engine's data was deleted (`online`: see deliver). */
export async function deliverOutbox(
  s: Readonly<EngineState>,
  config: Pick<EngineConfig, 'collectorUrl'>,
  deps: Pick<EngineDeps, 'fetch' | 'now' | 'rng'>,
  log: AuditLog,
  online = false,
): Promise<Delivered> {
  if (s.forgotten) return { sent: 0, pending: 0, next: null };
  // One tab delivers at a time, so two tabs never post the same queued report.
  const store = s.store;
  return store.exclusive('outbox', async () => {
    // Another tab may have changed the stored consent since this engine read it (a withdrawal between
    // this flush's sync and now): post nothing under a record that is no longer the stored one. The
    // next flush adopts the stored record first and drops what it no longer allows.
    if (store.persisted && !sameConsent(await store.get<Consent>('consent'), s.consent))
      return { sent: 0, pending: (await store.outbox()).length, next: null };
    return deliver(
      store,
      { url: config.collectorUrl, fetch: deps.fetch, now: deps.now, rng: deps.rng, log },
      online,
    );
  });
}

/** Whether two consent records are the same record (as stored: one tab's write, read back). */
function sameConsent(a: Consent | null | undefined, b: Consent | null): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b);
}
