/**
 * Synthetic learners for `edseg-admin simulate` and the load test (scripts/bench/server/): each
 * learner has a behaviour profile, a consent record and declared preferences; in each period they
 * produce engagement events, and every step after that is the SDK's own code, in the order the
 * worker runs it (worker/engine.ts recompute, worker/report.ts maybeReport):
 *   events -> rollupEvents (core/rollup) -> computeFeatures (core/features)
 *   -> for each model whose purpose the consent allows: assignReference (core/model: the float64
 *      specification that the device's TensorFlow.js assign equals, test/unit/core/model.test.ts)
 *   -> decide (core/policy) gives the model's channel -> buildReport (core/privacy/report)
 * and no report at all when analytics is not allowed, or when the report would be empty.
 *
 * What is synthetic is only the behaviour (events): generic over any manifest, from the event
 * types and props its features read (core/minimise vocabularyOf). Profiles differ in how many days
 * they are active, how much they do on a day, how recently they stopped, how often their answers are
 * right and how often they ask for help, so the segments differ. A learner may change profile from
 * one period to the next (drift), so shares move over time.
 *
 * Randomness: behaviour from one seeded Rng, the reports' noise and ids from another (both from
 * core/privacy/random.ts): the same seed gives the same reports, which the collector then keeps once.
 */
import { computeFeatures } from '../../core/features.js';
import { vocabularyOf } from '../../core/minimise.js';
import { assignReference, modelInput } from '../../core/model.js';
import { decide, purposeAllowed, segmentContexts } from '../../core/policy.js';
import type { SegmentContext } from '../../core/policy.js';
import { seededRandom } from '../../core/privacy/random.js';
import type { Rng } from '../../core/privacy/random.js';
import { buildReport } from '../../core/privacy/report.js';
import type { ModelAssignment } from '../../core/privacy/report.js';
import { rollupEvents } from '../../core/rollup.js';
import { DAY_MS, periodOf } from '../../core/schema.js';
import type { Consent, Declared, FeatureSpec, Manifest, Report, StoredEvent } from '../../core/schema.js';

/** How a kind of learner behaves over the days before a report. */
export type Profile = {
  name: string;
  /** chance that a day (since they started and before they stopped) is active */
  activeDays: number;
  /** mean events of each type on an active day */
  perDay: number;
  /** scale of numeric props (minutes and the like) */
  amount: number;
  /** chance a boolean prop is true (a right answer) */
  success: number;
  /** chance an answer comes with a help event (a hint per answer) */
  help: number;
  /** days since the last activity (0: active up to today) */
  idleDays: number;
  /** days since they started (null: long before the longest window) */
  startedDaysAgo: number | null;
};

export const PROFILES: readonly Profile[] = [
  {
    name: 'steady',
    activeDays: 0.85,
    perDay: 1.6,
    amount: 1,
    success: 0.75,
    help: 0.1,
    idleDays: 0,
    startedDaysAgo: null,
  },
  {
    name: 'sprinter',
    activeDays: 0.25,
    perDay: 5,
    amount: 2.5,
    success: 0.7,
    help: 0.1,
    idleDays: 0,
    startedDaysAgo: null,
  },
  {
    name: 'drifting',
    activeDays: 0.5,
    perDay: 1.2,
    amount: 0.8,
    success: 0.6,
    help: 0.2,
    idleDays: 9,
    startedDaysAgo: null,
  },
  {
    name: 'newcomer',
    activeDays: 1,
    perDay: 1,
    amount: 0.6,
    success: 0.6,
    help: 0.3,
    idleDays: 0,
    startedDaysAgo: 2,
  },
  {
    name: 'struggling',
    activeDays: 0.6,
    perDay: 1.8,
    amount: 0.8,
    success: 0.3,
    help: 0.7,
    idleDays: 0,
    startedDaysAgo: null,
  },
  {
    name: 'advanced',
    activeDays: 0.75,
    perDay: 2.2,
    amount: 1.3,
    success: 0.95,
    help: 0.02,
    idleDays: 0,
    startedDaysAgo: null,
  },
];

/** The consent records learners bring, with their weights: adults, children under school or parental consent, teens. */
export const CONSENTS: readonly { weight: number; consent: Consent }[] = [
  {
    weight: 0.35,
    consent: { ageBand: 'adult', self: { purposes: ['instruction', 'analytics', 'marketing'] } },
  },
  { weight: 0.3, consent: { ageBand: 'under13', schoolAuthorized: true } },
  {
    weight: 0.2,
    consent: { ageBand: 'under13', parental: { verified: true, purposes: ['instruction', 'analytics'] } },
  },
  { weight: 0.15, consent: { ageBand: 'teen', self: { purposes: ['instruction', 'analytics'] } } },
];

/** Chance a learner changes profile between two periods. */
export const DRIFT = 0.15;

export type Learner = { profile: number; consent: Consent; declared: Declared };

const pick = <T>(rng: Rng, weighted: readonly { weight: number; value: T }[]): T => {
  let u = rng.real() * weighted.reduce((s, w) => s + w.weight, 0);
  for (const w of weighted) if ((u -= w.weight) < 0) return w.value;
  return weighted.at(-1)!.value;
};

/** A Poisson draw (Knuth; the means here are small). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.real(); p > limit; p *= rng.real()) k++;
  return k;
}

/** `n` learners: a profile each (uniform), a consent record (CONSENTS' weights), a declared answer for each declared feature (or none). */
export function makeLearners(n: number, features: readonly FeatureSpec[], rng: Rng): Learner[] {
  const consents = CONSENTS.map((c) => ({ weight: c.weight, value: c.consent }));
  return Array.from({ length: n }, () => {
    const declared: Declared = {};
    for (const f of features) {
      if (f.kind !== 'declared' || f.key === undefined) continue;
      const answers = Object.keys(f.values ?? {});
      const i = rng.int(answers.length + 1);
      if (i < answers.length) declared[f.key] = answers[i]!;
    }
    return { profile: rng.int(PROFILES.length), consent: pick(rng, consents), declared };
  });
}

/** What the features read, derived once per manifest: event types, their props and the kind of each prop. */
type Behaviour = {
  days: number;
  /** types that are counted for themselves */
  types: string[];
  /** type -> props: 'flag' (true/false, read as a ratio's numerator) or 'amount' (summed or averaged) */
  props: Map<string, Map<string, 'flag' | 'amount'>>;
  /** a ratio without prop: its numerator types follow its denominator's count (help per answer) */
  follows: Map<string, string[]>;
};

function behaviourOf(features: readonly FeatureSpec[]): Behaviour {
  const vocab = vocabularyOf([...features]);
  const props = new Map<string, Map<string, 'flag' | 'amount'>>();
  const follows = new Map<string, string[]>();
  for (const f of features) {
    if (f.kind === 'ratio' && f.prop === undefined && f.denominator)
      for (const t of f.events) follows.set(t, f.denominator);
    if (f.prop === undefined || !(f.kind === 'sum' || f.kind === 'mean' || f.kind === 'ratio')) continue;
    for (const t of f.events) {
      const m = props.get(t) ?? new Map<string, 'flag' | 'amount'>();
      m.set(f.prop, f.kind === 'ratio' ? 'flag' : 'amount');
      props.set(t, m);
    }
  }
  const days = Math.max(1, ...features.filter((f) => f.kind !== 'declared').map((f) => f.windowDays));
  return { days, types: [...vocab.types].filter((t) => !follows.has(t)), props, follows };
}

function eventOf(type: string, day: number, b: Behaviour, p: Profile, rng: Rng): StoredEvent {
  const props: StoredEvent['props'] = {};
  for (const [name, kind] of b.props.get(type) ?? [])
    props[name] = kind === 'flag' ? rng.bernoulli(p.success) : Math.round(p.amount * (4 + 12 * rng.real()));
  return { type, day, ts: day * DAY_MS + 12 * 3_600_000, props };
}

/** One learner's events over the longest feature window ending `today`, as the device would have stored them. */
function eventsOf(p: Profile, b: Behaviour, today: number, rng: Rng): StoredEvent[] {
  const out: StoredEvent[] = [];
  const first = today - Math.min(b.days - 1, p.startedDaysAgo ?? Infinity);
  for (let day = first; day <= today - p.idleDays; day++) {
    if (!rng.bernoulli(p.activeDays)) continue;
    const counts = new Map<string, number>();
    for (const t of b.types) {
      const n = poisson(rng, p.perDay);
      counts.set(t, n);
      for (let i = 0; i < n; i++) out.push(eventOf(t, day, b, p, rng));
    }
    for (const [t, of] of b.follows) {
      const base = of.reduce((s, o) => s + (counts.get(o) ?? 0), 0);
      for (let i = 0; i < base; i++) if (rng.bernoulli(p.help)) out.push(eventOf(t, day, b, p, rng));
    }
  }
  return out;
}

export type SimulatedPeriod = {
  period: number;
  /** the day the learners' devices built their reports (the features are computed on it) */
  day: number;
  reports: Report[];
  /** learners whose consent allows no report (analytics not allowed, or every field empty) */
  silent: number;
};

/**
 * The reports `learners` send in the `periods` periods ending with the one holding `today`, oldest
 * first (a past period's reports are built on a day inside it). Learners drift between periods
 * (their `profile` is updated in place).
 */
export async function* simulatePeriods(opts: {
  manifest: Manifest;
  learners: Learner[];
  periods: number;
  today: number;
  /** behaviour: events, drift */
  rng: Rng;
  /** the reports' noise and ids */
  reportRng: Rng;
}): AsyncGenerator<SimulatedPeriod> {
  const { manifest: m, learners, rng } = opts;
  const b = behaviourOf(m.features);
  const names = m.features.map((f) => f.name);
  const contexts = new Map<string, SegmentContext>(segmentContexts(m).map((c) => [c.id, c]));
  const { periodDays } = m.reporting;
  const current = periodOf(opts.today, periodDays);
  for (let i = opts.periods - 1; i >= 0; i--) {
    const period = current - i * periodDays;
    const day = Math.min(opts.today, period + rng.int(periodDays));
    if (i < opts.periods - 1)
      for (const l of learners) if (rng.bernoulli(DRIFT)) l.profile = rng.int(PROFILES.length);
    const normalised = learners.map(
      (l) =>
        computeFeatures(
          rollupEvents(eventsOf(PROFILES[l.profile]!, b, day, rng)),
          l.declared,
          m.features,
          day,
        ).normalised,
    );
    // Each model whose purpose the learner's consent allows is assigned, as the worker's recompute() does.
    const assigned: ModelAssignment[][] = learners.map((l, j) =>
      m.models.flatMap((model) => {
        if (!purposeAllowed(l.consent, model.purpose).allowed) return [];
        const { index } = assignReference(model, modelInput(model, names, normalised[j]!));
        const segment = model.segments[index]!;
        const { channel } = decide(l.consent, contexts.get(segment.id)!, m.policy);
        return [{ model: model.id, index, k: model.segments.length, segmentId: segment.id, channel }];
      }),
    );
    const reports: Report[] = [];
    let silent = 0;
    learners.forEach((l, j) => {
      const report = purposeAllowed(l.consent, 'analytics').allowed
        ? buildReport({
            site: m.site.id,
            manifestVersion: m.version,
            period,
            assignments: assigned[j]!,
            features: normalised[j]!,
            reporting: m.reporting,
            rng: opts.reportRng,
          })
        : null;
      if (report) reports.push(report);
      else silent++;
    });
    yield { period, day, reports, silent };
  }
}

/** The two generators a seed gives: behaviour, and the reports' noise and ids (independent streams). */
export function simulationRngs(seed: number): { rng: Rng; reportRng: Rng } {
  return { rng: seededRandom(seed), reportRng: seededRandom(seed + 0x9e3779b9) };
}
