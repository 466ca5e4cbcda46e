/**
 * Evaluates the seeded lingua-kids manifest on real learners: the OULAD clickstream of AAA-2013J,
 * AAA-2014J and BBB-2013B (Kuzilek, Hlosta & Zdrahal 2017, Scientific Data 4:170171, CC BY 4.0),
 * mapped to the demo's event vocabulary and run through the SDK's own code (rollupEvents ->
 * computeFeatures -> assignReference; buildReport -> estimateSite). docs/EVALUATION.md explains
 * the method and its limits; this file is the method.
 *
 *   npx tsx scripts/evaluate-oulad.ts [--reps=200] [--docs] [--data=/work/shared/data/oulad]
 *
 * Part A: per snapshot day, the pace and mastery segments against final_result (Wilson intervals).
 * Part B: every learner sends one ldp report; R seeded repetitions of estimateSite against the
 * known truth (error, coverage, k-threshold suppression), and the n a 0.05 half-width needs.
 * --docs replaces the block between the markers in docs/EVALUATION.md with the same tables.
 *
 * The mapping functions are exported (and unit-tested in test/unit/oulad-mapping.test.ts); the
 * evaluation runs only when this file is the entry point.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { computeFeatures } from '../src/core/features.js';
import { assignReference, modelInput } from '../src/core/model.js';
import { estimateSiteWith, isSuppressed, Z95 } from '../src/core/privacy/estimate.js';
import { buildReport, type ModelAssignment } from '../src/core/privacy/report.js';
import { rollupEvents } from '../src/core/rollup.js';
import { DAY_MS, periodOf } from '../src/core/schema.js';
import type { Manifest, Report, Reporting, Rollup, StoredEvent } from '../src/core/schema.js';
import {
  chooseOracle,
  grrVariance,
  oueVariance,
  sampledDimensions,
  seededRandom,
  vectorVariance,
} from '../src/privacy.js';
import { buildManifest } from '../src/server/publish.js';
import { SEED_SITE, seedDefinition, seedOrigins, seedPolicy } from '../src/server/seed.js';

// ---------------------------------------------------------------------------------------------
// Mapping OULAD rows to the demo's event vocabulary (pure; see docs/EVALUATION.md "Mapping")
// ---------------------------------------------------------------------------------------------

/** Module day 0 (the module's start) is this synthetic day number; any fixed base works, windows are relative. */
export const BASE_DAY = 20_000;

/** The synthetic day number (days since 1970-01-01) of a module day (which may be negative). */
export const toDay = (moduleDay: number): number => BASE_DAY + moduleDay;

/** What a VLE activity type becomes: study material -> lessons, interactive work -> practice, anything else -> a visit. */
export type ActivityKind = 'lesson' | 'practice' | 'visit';

// Study material a learner reads or works through: the closest thing OULAD has to a lesson.
const LESSON_TYPES = new Set([
  'oucontent',
  'resource',
  'url',
  'page',
  'subpage',
  'sharedsubpage',
  'dataplus',
  'glossary',
  'htmlactivity',
  'dualpane',
  'folder',
  'repeatactivity',
]);
// Forums, wikis, live sessions and VLE quizzes: active work with no lesson unit. VLE quiz clicks
// carry no result, so they cannot be quiz_answer events (the accuracy feature would read them as
// wrong answers); results come from the assessment scores instead.
const PRACTICE_TYPES = new Set([
  'forumng',
  'ouwiki',
  'oucollaborate',
  'ouelluminate',
  'quiz',
  'externalquiz',
  'questionnaire',
]);

/** The kind of a VLE activity_type (homepage and unknown types are visits: they start a session and nothing else). */
export function activityKind(activityType: string): ActivityKind {
  if (LESSON_TYPES.has(activityType)) return 'lesson';
  if (PRACTICE_TYPES.has(activityType)) return 'practice';
  return 'visit';
}

/** One studentVle row, its site's activity_type joined in; `day` is the module day. */
export type ClickRow = { site: string; activity: string; day: number; clicks: number };
/** One assessment submission (banked ones are dropped before this); score null where OULAD writes `?`. */
export type Submission = { day: number; score: number | null };

/** The mapping's free choices; MAPPING is the primary one, the others are its sensitivity checks. */
export type Mapping = {
  name: string;
  /** per-resource: one lesson per distinct study-material resource opened that day; per-clicks: ceil(clicks / clicksPerLesson) */
  lessons: 'per-resource' | 'per-clicks';
  clicksPerLesson: number;
  /** OULAD has no time on task; minutes = clicks x this */
  minutesPerClick: number;
  /** proportional: 10 answers per scored assessment, round(score / 10) correct; pass-mark: 1 answer, correct = score >= 40 */
  answers: 'proportional' | 'pass-mark';
};

export const MAPPING: Mapping = {
  name: 'primary',
  lessons: 'per-resource',
  clicksPerLesson: 10,
  minutesPerClick: 1,
  answers: 'proportional',
};
export const SENSITIVITY: Mapping[] = [
  { ...MAPPING, name: 'lessons = ceil(clicks/10)', lessons: 'per-clicks' },
  { ...MAPPING, name: 'answers: 1 per assessment, correct = score >= 40', answers: 'pass-mark' },
];

/** The Open University's pass mark for an assessment. */
export const PASS_MARK = 40;
/** Quiz answers one scored assessment stands for under the proportional mapping. */
export const ANSWERS_PER_ASSESSMENT = 10;

const event = (type: string, day: number, props: StoredEvent['props'] = {}): StoredEvent => ({
  type,
  day: toDay(day),
  ts: toDay(day) * DAY_MS,
  props,
});

/**
 * The events of one learner's clicks on one module day: one session_start; lesson_start +
 * lesson_complete { lessonId, minutes } per lesson; one practice_session { minutes, items } when
 * there was practice. No clicks, no events.
 */
export function clickDayEvents(day: number, rows: readonly ClickRow[], m: Mapping): StoredEvent[] {
  const clicks = rows.filter((r) => r.day === day && r.clicks > 0);
  if (clicks.length === 0) return [];
  const out = [event('session_start', day)];
  const lessonClicks = new Map<string, number>();
  let practice = 0;
  for (const r of clicks) {
    const kind = activityKind(r.activity);
    if (kind === 'lesson') lessonClicks.set(r.site, (lessonClicks.get(r.site) ?? 0) + r.clicks);
    else if (kind === 'practice') practice += r.clicks;
  }
  if (m.lessons === 'per-resource') {
    for (const [site, n] of lessonClicks) {
      out.push(
        event('lesson_start', day, { lessonId: site }),
        event('lesson_complete', day, { lessonId: site, minutes: n * m.minutesPerClick }),
      );
    }
  } else {
    const total = [...lessonClicks.values()].reduce((s, n) => s + n, 0);
    const lessons = Math.ceil(total / m.clicksPerLesson);
    for (let i = 0; i < lessons; i++) {
      const lessonId = `d${day}-${i}`;
      out.push(
        event('lesson_start', day, { lessonId }),
        event('lesson_complete', day, { lessonId, minutes: (total * m.minutesPerClick) / lessons }),
      );
    }
  }
  if (practice > 0)
    out.push(event('practice_session', day, { minutes: practice * m.minutesPerClick, items: practice }));
  return out;
}

/**
 * The events of one submission: a session_start, and for a scored one quiz_complete { score } and
 * its quiz_answer { correct } events (no seconds: OULAD has none, and no feature reads it).
 */
export function submissionEvents(sub: Submission, m: Mapping): StoredEvent[] {
  const out = [event('session_start', sub.day)];
  if (sub.score === null) return out;
  out.push(event('quiz_complete', sub.day, { score: sub.score }));
  if (m.answers === 'pass-mark') {
    out.push(event('quiz_answer', sub.day, { correct: sub.score >= PASS_MARK }));
  } else {
    const right = Math.round((Math.min(100, Math.max(0, sub.score)) / 100) * ANSWERS_PER_ASSESSMENT);
    for (let i = 0; i < ANSWERS_PER_ASSESSMENT; i++)
      out.push(event('quiz_answer', sub.day, { correct: i < right }));
  }
  return out;
}

/** Every event of one enrolment, in day order. hint_used and the declared goal have no OULAD counterpart and never occur. */
export function enrolmentEvents(
  clicks: readonly ClickRow[],
  subs: readonly Submission[],
  m: Mapping,
): StoredEvent[] {
  const byDay = new Map<number, ClickRow[]>();
  for (const r of clicks) {
    const rows = byDay.get(r.day);
    if (rows) rows.push(r);
    else byDay.set(r.day, [r]);
  }
  const out: StoredEvent[] = [];
  for (const [day, rows] of byDay) out.push(...clickDayEvents(day, rows, m));
  for (const s of subs) out.push(...submissionEvents(s, m));
  return out.sort((a, b) => a.day - b.day);
}

/** Whether an enrolment is live on module day `day`: registered by then and not yet unregistered (null = never). */
export function enrolledAt(
  reg: { registered: number | null; unregistered: number | null },
  day: number,
): boolean {
  return (
    (reg.registered === null || reg.registered <= day) &&
    (reg.unregistered === null || reg.unregistered > day)
  );
}

// ---------------------------------------------------------------------------------------------
// Outcome statistics (pure)
// ---------------------------------------------------------------------------------------------

export const OUTCOMES = ['Withdrawn', 'Fail', 'Pass', 'Distinction'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Wilson's score interval for x successes in n trials (Wilson 1927, JASA 22:209); [0, 1] when n = 0. */
export function wilson(x: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** How a flag (e.g. "in drifting") separates a binary outcome: its rate among the flagged and the others, lift over the base rate, recall. */
export type FlagStats = {
  flagged: number;
  hits: number;
  rate: number;
  ci: [number, number];
  others: number;
  othersRate: number;
  base: number;
  lift: number;
  liftCi: [number, number];
  recall: number;
};

/**
 * rate = hits / flagged with its Wilson interval; lift = rate / base, its interval the Wilson
 * bounds over the base (the base is the whole evaluated population's rate, taken as known).
 */
export function flagStats(flags: readonly boolean[], positive: readonly boolean[]): FlagStats {
  let flagged = 0,
    hits = 0,
    pos = 0;
  flags.forEach((f, i) => {
    const p = positive[i] === true;
    if (p) pos++;
    if (f) {
      flagged++;
      if (p) hits++;
    }
  });
  const n = flags.length;
  const base = n === 0 ? NaN : pos / n;
  const rate = flagged === 0 ? NaN : hits / flagged;
  const ci = wilson(hits, flagged);
  const others = n - flagged;
  return {
    flagged,
    hits,
    rate,
    ci,
    others,
    othersRate: others === 0 ? NaN : (pos - hits) / others,
    base,
    lift: rate / base,
    liftCi: [ci[0] / base, ci[1] / base],
    recall: pos === 0 ? NaN : hits / pos,
  };
}

/** Outcome counts per segment id, in the order of `ids`. */
export function outcomesBySegment(
  ids: readonly string[],
  segment: readonly number[],
  outcome: readonly Outcome[],
): { id: string; n: number; counts: Record<Outcome, number> }[] {
  const rows = ids.map((id) => ({
    id,
    n: 0,
    counts: { Withdrawn: 0, Fail: 0, Pass: 0, Distinction: 0 } as Record<Outcome, number>,
  }));
  segment.forEach((s, i) => {
    const row = rows[s];
    const o = outcome[i];
    if (!row || !o) return;
    row.n++;
    row.counts[o]++;
  });
  return rows;
}

/** Reports a 95% interval of half-width h needs when one report's variance is v: ceil(z^2 v / h^2) (normal approximation). */
export function reportsForHalfWidth(v: number, h: number): number {
  return Math.ceil((Z95 * Z95 * v) / (h * h));
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/** The fields of one CSV line (RFC 4180 quoting: "a,b" is one field, "" inside quotes is a quote); a trailing \r is dropped. */
export function parseCsvLine(line: string): string[] {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!s.includes('"')) return s.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The numeric value of a CSV field, null when empty or `?` (OULAD's missing value). */
export function numberOrNull(field: string | undefined): number | null {
  if (field === undefined || field === '' || field === '?') return null;
  const x = Number(field);
  return Number.isFinite(x) ? x : null;
}

/** A header's column positions by name, throwing when one is missing (the files' column order differs from the official ones). */
function columns<N extends string>(header: string[], names: readonly N[], file: string): Record<N, number> {
  const at = {} as Record<N, number>;
  for (const n of names) {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`${file}: no column "${n}" in ${header.join(',')}`);
    at[n] = i;
  }
  return at;
}

function readTable<N extends string>(dir: string, file: string, names: readonly N[]): Record<N, string>[] {
  const lines = readFileSync(resolve(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const at = columns(parseCsvLine(lines[0] ?? ''), names, file);
  return lines.slice(1).map((l) => {
    const f = parseCsvLine(l);
    const row = {} as Record<N, string>;
    for (const n of names) row[n] = f[at[n]] ?? '';
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

const RUNS = ['AAA-2013J', 'AAA-2014J', 'BBB-2013B'];

type Enrolment = {
  key: string;
  run: string;
  outcome: Outcome;
  registered: number | null;
  unregistered: number | null;
  clicks: ClickRow[];
  subs: Submission[];
};

async function load(dir: string): Promise<Enrolment[]> {
  const enrolments = new Map<string, Enrolment>();
  for (const r of readTable(dir, 'studentInfo.csv', [
    'code_module',
    'code_presentation',
    'id_student',
    'final_result',
  ])) {
    const run = `${r.code_module}-${r.code_presentation}`;
    if (!RUNS.includes(run)) continue;
    if (!(OUTCOMES as readonly string[]).includes(r.final_result))
      throw new Error(`studentInfo.csv: unknown final_result "${r.final_result}"`);
    const key = `${run}-${r.id_student}`;
    enrolments.set(key, {
      key,
      run,
      outcome: r.final_result as Outcome,
      registered: null,
      unregistered: null,
      clicks: [],
      subs: [],
    });
  }
  for (const r of readTable(dir, 'studentRegistration.csv', [
    'code_module',
    'code_presentation',
    'id_student',
    'date_registration',
    'date_unregistration',
  ])) {
    const e = enrolments.get(`${r.code_module}-${r.code_presentation}-${r.id_student}`);
    if (!e) continue;
    e.registered = numberOrNull(r.date_registration);
    e.unregistered = numberOrNull(r.date_unregistration);
  }
  const assessmentRun = new Map<string, string>();
  for (const r of readTable(dir, 'assessments.csv', ['code_module', 'code_presentation', 'id_assessment']))
    assessmentRun.set(r.id_assessment, `${r.code_module}-${r.code_presentation}`);
  for (const r of readTable(dir, 'studentAssessment.csv', [
    'id_student',
    'id_assessment',
    'date_submitted',
    'is_banked',
    'score',
  ])) {
    const run = assessmentRun.get(r.id_assessment);
    const e = run ? enrolments.get(`${run}-${r.id_student}`) : undefined;
    const day = numberOrNull(r.date_submitted);
    // banked results were carried over from an earlier presentation: no activity in this one
    if (!e || day === null || r.is_banked === '1') continue;
    e.subs.push({ day, score: numberOrNull(r.score) });
  }
  const activity = new Map<string, string>();
  for (const r of readTable(dir, 'vle.csv', ['id_site', 'activity_type']))
    activity.set(r.id_site, r.activity_type);

  const lines = createInterface({
    input: createReadStream(resolve(dir, 'studentVle.csv')),
    crlfDelay: Infinity,
  });
  let at: Record<
    'code_module' | 'code_presentation' | 'id_student' | 'id_site' | 'date' | 'sum_click',
    number
  > | null = null;
  for await (const line of lines) {
    if (line === '') continue;
    const f = parseCsvLine(line);
    if (at === null) {
      at = columns(
        f,
        ['code_module', 'code_presentation', 'id_student', 'id_site', 'date', 'sum_click'],
        'studentVle.csv',
      );
      continue;
    }
    const e = enrolments.get(`${f[at.code_module]}-${f[at.code_presentation]}-${f[at.id_student]}`);
    const site = f[at.id_site] ?? '';
    const day = numberOrNull(f[at.date]);
    const clicks = numberOrNull(f[at.sum_click]);
    if (!e || day === null || clicks === null) continue;
    e.clicks.push({ site, activity: activity.get(site) ?? 'unknown', day, clicks });
  }
  return [...enrolments.values()];
}

// ---------------------------------------------------------------------------------------------
// Part A: segments at snapshot days
// ---------------------------------------------------------------------------------------------

const SNAPSHOTS = [14, 28, 56, 90];

/** The seeded manifest exactly as the server signs it (version 1, fixed dates so runs repeat). */
function seedManifest(): Manifest {
  const definition = seedDefinition('2025-01-01');
  return buildManifest(
    {
      id: SEED_SITE,
      name: 'Lingua Kids (demo)',
      origins: seedOrigins(8787),
      definition,
      policy: seedPolicy(definition.models),
      createdAt: '',
      updatedAt: '',
    },
    1,
    new Date('2025-01-01T00:00:00Z'),
  );
}

/** Every learner's segment per model and normalised features at one snapshot day. */
type Snapshot = {
  day: number;
  segment: number[][];
  x: number[][];
  quizInWindow: boolean[];
  activeBefore: boolean[];
};

/** The manifest's quiz-accuracy feature, whose window decides who has quiz answers "in the window". */
const QUIZ_FEATURE = 'quiz_accuracy_14d';

/** The window of the manifest's quiz-accuracy feature, in days. */
function quizWindowDays(manifest: Manifest): number {
  const f = manifest.features.find((x) => x.name === QUIZ_FEATURE);
  if (!f) throw new Error(`the manifest has no feature "${QUIZ_FEATURE}"`);
  return f.windowDays;
}

function snapshots(manifest: Manifest, enrolments: readonly Enrolment[], m: Mapping): Snapshot[] {
  const names = manifest.features.map((f) => f.name);
  const quizWindow = quizWindowDays(manifest);
  const out = SNAPSHOTS.map((day) => ({
    day,
    segment: [] as number[][],
    x: [] as number[][],
    quizInWindow: [] as boolean[],
    activeBefore: [] as boolean[],
  }));
  for (const e of enrolments) {
    const rollups: Rollup[] = rollupEvents(enrolmentEvents(e.clicks, e.subs, m));
    const answers = rollups.filter((r) => r.type === 'quiz_answer' && r.prop === '');
    for (const snap of out) {
      const today = toDay(snap.day);
      const { normalised } = computeFeatures(rollups, {}, manifest.features, today);
      snap.x.push(normalised);
      snap.segment.push(
        manifest.models.map((model) => assignReference(model, modelInput(model, names, normalised)).index),
      );
      snap.quizInWindow.push(answers.some((r) => r.day > today - quizWindow && r.day <= today));
      snap.activeBefore.push(rollups.some((r) => r.day <= today));
    }
  }
  return out;
}

const pct = (x: number, digits = 1): string => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '–');
const num = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const table = (head: string[], rows: string[][]): string[] => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

type Headline = {
  label: string;
  model: string;
  segments: string[];
  outcomes: Outcome[];
  extra?: (i: number, s: Snapshot) => boolean;
};

const HEADLINES: Headline[] = [
  { label: 'drifting -> Withdrawn', model: 'pace', segments: ['drifting'], outcomes: ['Withdrawn'] },
  {
    label: 'just-starting -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
  },
  {
    label: 'just-starting, some activity by then -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
    extra: (i, s) => s.activeBefore[i] === true,
  },
  {
    label: 'just-starting, no activity yet -> Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Withdrawn'],
    extra: (i, s) => s.activeBefore[i] === false,
  },
  {
    label: 'just-starting -> Fail or Withdrawn',
    model: 'pace',
    segments: ['just-starting'],
    outcomes: ['Fail', 'Withdrawn'],
  },
  {
    label: 'drifting or just-starting -> Withdrawn',
    model: 'pace',
    segments: ['drifting', 'just-starting'],
    outcomes: ['Withdrawn'],
  },
  { label: 'needs-support -> Fail', model: 'mastery', segments: ['needs-support'], outcomes: ['Fail'] },
  {
    label: 'needs-support -> Fail or Withdrawn',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail', 'Withdrawn'],
  },
  {
    label: 'needs-support, quiz answers in window -> Fail',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail'],
    extra: (i, s) => s.quizInWindow[i] === true,
  },
  {
    label: 'needs-support, no quiz answers in window -> Fail',
    model: 'mastery',
    segments: ['needs-support'],
    outcomes: ['Fail'],
    extra: (i, s) => s.quizInWindow[i] === false,
  },
  {
    label: 'steady-learner -> Pass or Distinction',
    model: 'pace',
    segments: ['steady-learner'],
    outcomes: ['Pass', 'Distinction'],
  },
  {
    label: 'sprinter -> Pass or Distinction',
    model: 'pace',
    segments: ['sprinter'],
    outcomes: ['Pass', 'Distinction'],
  },
  { label: 'on-track -> Fail', model: 'mastery', segments: ['on-track'], outcomes: ['Fail'] },
  {
    label: 'ready-for-challenge -> Distinction',
    model: 'mastery',
    segments: ['ready-for-challenge'],
    outcomes: ['Distinction'],
  },
];

/** The headline flag with this label (a typo is a crash, not a silently empty column). */
function headline(label: string): Headline {
  const h = HEADLINES.find((x) => x.label === label);
  if (!h) throw new Error(`no headline "${label}"`);
  return h;
}

/** The learners a snapshot is judged on: all enrolments, or those still enrolled that day (the fair test of a warning). */
function population(enrolments: readonly Enrolment[], s: Snapshot, which: 'enrolled' | 'all'): number[] {
  return enrolments.flatMap((e, i) => (which === 'all' || enrolledAt(e, s.day) ? [i] : []));
}

function headlineStats(
  manifest: Manifest,
  enrolments: readonly Enrolment[],
  s: Snapshot,
  idx: readonly number[],
  h: Headline,
): FlagStats {
  const mi = manifest.models.findIndex((m) => m.id === h.model);
  const ids = manifest.models[mi]!.segments.map((x) => x.id);
  const flags = idx.map((i) => h.segments.includes(ids[s.segment[i]![mi]!]!) && (h.extra?.(i, s) ?? true));
  const positive = idx.map((i) => h.outcomes.includes(enrolments[i]!.outcome));
  return flagStats(flags, positive);
}

function partA(
  manifest: Manifest,
  enrolments: readonly Enrolment[],
  snaps: readonly Snapshot[],
  sensitivity: { mapping: Mapping; snaps: Snapshot[] }[],
): string[] {
  const out: string[] = [];
  const outcomes = enrolments.map((e) => e.outcome);
  out.push(
    '### A1. Segment shares and final results (learners still enrolled on the snapshot day; primary mapping)',
    '',
  );
  const rows: string[][] = [];
  for (const s of snaps) {
    const idx = population(enrolments, s, 'enrolled');
    const base = outcomesBySegment(
      ['all'],
      idx.map(() => 0),
      idx.map((i) => outcomes[i]!),
    )[0]!;
    rows.push([
      `${s.day}`,
      '**all enrolled**',
      '',
      `${base.n}`,
      '100%',
      ...OUTCOMES.map((o) => `${pct(base.counts[o] / base.n)} (${base.counts[o]})`),
    ]);
    for (const modelId of ['pace', 'mastery']) {
      const mi = manifest.models.findIndex((m) => m.id === modelId);
      const ids = manifest.models[mi]!.segments.map((x) => x.id);
      for (const r of outcomesBySegment(
        ids,
        idx.map((i) => s.segment[i]![mi]!),
        idx.map((i) => outcomes[i]!),
      )) {
        rows.push([
          `${s.day}`,
          modelId,
          r.id,
          `${r.n}`,
          pct(r.n / idx.length),
          ...OUTCOMES.map((o) => (r.n === 0 ? '–' : `${pct(r.counts[o] / r.n)} (${r.counts[o]})`)),
        ]);
      }
    }
  }
  out.push(
    ...table(['day', 'model', 'segment', 'n', 'share', 'Withdrawn', 'Fail', 'Pass', 'Distinction'], rows),
    '',
  );
  out.push(
    `Learners with quiz answers in the ${quizWindowDays(manifest)}-day window (the only ones whose ${QUIZ_FEATURE} is not 0 by default): ${snaps
      .map((s) => {
        const idx = population(enrolments, s, 'enrolled');
        return `day ${s.day}: ${idx.filter((i) => s.quizInWindow[i]).length} of ${idx.length}`;
      })
      .join('; ')}.`,
    '',
  );

  const headlineRows = (which: 'enrolled' | 'all', hs: readonly Headline[]): string[][] =>
    snaps.flatMap((s) => {
      const idx = population(enrolments, s, which);
      return hs.map((h) => {
        const st = headlineStats(manifest, enrolments, s, idx, h);
        return [
          `${s.day}`,
          `${idx.length}`,
          h.label,
          `${st.flagged}`,
          `${pct(st.rate)} [${pct(st.ci[0])}, ${pct(st.ci[1])}]`,
          pct(st.othersRate),
          pct(st.base),
          `${num(st.lift)} [${num(st.liftCi[0])}, ${num(st.liftCi[1])}]`,
          pct(st.recall),
        ];
      });
    });
  const head = [
    'day',
    'n',
    'flag -> outcome',
    'flagged',
    'rate [95% CI]',
    'rate, others',
    'base',
    'lift [95% CI]',
    'recall',
  ];
  out.push(
    '### A2. Does the segment predict the outcome? Learners still enrolled on the snapshot day (rate with Wilson 95% CI, lift over the base rate)',
    '',
  );
  out.push(...table(head, headlineRows('enrolled', HEADLINES)), '');
  out.push(
    '### A2b. The same withdrawal flags over all enrolments, including learners who had already unregistered (inflated: a past withdrawal looks like inactivity)',
    '',
  );
  out.push(
    ...table(
      head,
      headlineRows(
        'all',
        HEADLINES.filter((h) => h.outcomes.join() === 'Withdrawn' && h.extra === undefined),
      ),
    ),
    '',
  );

  out.push(
    "### A3. Within each module run (enrolled learners; a lift that only reflects the runs' different base rates would vanish here): rate among the flagged vs the others, lift",
    '',
  );
  const rrows: string[][] = [];
  for (const s of snaps) {
    for (const run of RUNS) {
      const idx = population(enrolments, s, 'enrolled').filter((i) => enrolments[i]!.run === run);
      const cell = (h: Headline) => {
        const st = headlineStats(manifest, enrolments, s, idx, h);
        return `${pct(st.rate)} vs ${pct(st.othersRate)}, ${num(st.lift)} (${st.flagged})`;
      };
      rrows.push([
        `${s.day}`,
        run,
        `${idx.length}`,
        cell(headline('drifting -> Withdrawn')),
        cell(headline('just-starting -> Withdrawn')),
        cell(headline('needs-support -> Fail')),
      ]);
    }
  }
  out.push(
    ...table(
      [
        'day',
        'run',
        'enrolled',
        'drifting -> Withdrawn (n)',
        'just-starting -> Withdrawn (n)',
        'needs-support -> Fail (n)',
      ],
      rrows,
    ),
    '',
  );

  out.push('### A4. Sensitivity to the mapping (enrolled learners; lift over the base rate)', '');
  const srows: string[][] = [];
  for (const { mapping, snaps: ss } of [{ mapping: MAPPING, snaps: [...snaps] }, ...sensitivity]) {
    for (const s of ss) {
      const idx = population(enrolments, s, 'enrolled');
      const cell = (h: Headline) => {
        const st = headlineStats(manifest, enrolments, s, idx, h);
        return `${num(st.lift)} (${st.flagged})`;
      };
      srows.push([
        mapping.name,
        `${s.day}`,
        cell(headline('drifting -> Withdrawn')),
        cell(headline('just-starting -> Withdrawn')),
        cell(headline('drifting or just-starting -> Withdrawn')),
        cell(headline('needs-support -> Fail')),
      ]);
    }
  }
  out.push(
    ...table(
      [
        'mapping',
        'day',
        'drifting -> W (n)',
        'just-starting -> W (n)',
        'either -> W (n)',
        'needs-support -> F (n)',
      ],
      srows,
    ),
    '',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Part B: LDP estimation error on this population
// ---------------------------------------------------------------------------------------------

type SimConfig = { label: string; day: number; reporting: Reporting };
type SimResult = {
  config: SimConfig;
  reps: number;
  share: { mae: number; p95: number; max: number; coverage: number; cells: number };
  pace: { mae: number; coverage: number };
  mastery: { mae: number; coverage: number };
  feature: { mae: number; max: number; coverage: number };
  segMeans: { published: number; mae: number; coverage: number };
  suppressed: { mean: number; often: string[]; smallPublished: number; largeSuppressed: number };
};

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * R repetitions of "every learner sends one report (ldp for every model)" with estimateSite's
 * maths, scored against the snapshot's true shares and means. The interval of a share is checked
 * against the finite population's share; the estimator's se also counts the sampling of learners,
 * so coverage of the finite-population value may sit a little above 95%.
 */
function simulate(manifest: Manifest, s: Snapshot, config: SimConfig, reps: number, seed: number): SimResult {
  const n = s.x.length;
  const d = manifest.features.length;
  const kT = manifest.reporting.kThreshold;
  const trueShares = manifest.models.map((model, mi) =>
    model.segments.map((_, v) => s.segment.filter((a) => a[mi] === v).length / n),
  );
  const trueCount = new Map(
    manifest.models.flatMap((model, mi) =>
      model.segments.map((seg, v) => [seg.id, Math.round(trueShares[mi]![v]! * n)] as const),
    ),
  );
  const trueMeans = manifest.features.map((_, j) => mean(s.x.map((x) => x[j]!)));
  const trueSegMeans = manifest.models.map((model, mi) =>
    model.segments.map((_, v) => {
      const xs = s.x.filter((_, i) => s.segment[i]![mi] === v);
      return manifest.features.map((__, j) => (xs.length === 0 ? NaN : mean(xs.map((x) => x[j]!))));
    }),
  );
  const assignments: ModelAssignment[][] = s.segment.map((a) =>
    manifest.models.map((model, mi) => ({
      model: model.id,
      index: a[mi]!,
      k: model.segments.length,
      segmentId: model.segments[a[mi]!]!.id,
      channel: 'ldp' as const,
    })),
  );
  const period = periodOf(toDay(config.day), config.reporting.periodDays);
  const shareErr: number[] = [],
    featErr: number[] = [],
    segErr: number[] = [];
  const byModel = { pace: { err: [] as number[], cover: 0 }, mastery: { err: [] as number[], cover: 0 } };
  let shareCover = 0,
    featCover = 0,
    segCover = 0,
    suppressed = 0,
    small = 0,
    smallPublished = 0,
    large = 0,
    largeSuppressed = 0;
  const suppressedBy = new Map<string, number>();
  const now = new Date('2025-01-01T00:00:00Z');
  for (let r = 0; r < reps; r++) {
    const rng = seededRandom(seed + r);
    const reports: Report[] = s.x.map((x, i) =>
      buildReport({
        site: manifest.site.id,
        manifestVersion: manifest.version,
        period,
        assignments: assignments[i]!,
        features: x,
        reporting: config.reporting,
        rng,
      })!,
    );
    // Errors and coverage are measured before suppression; which cells are suppressed is estimateSite's
    // own rule, applied to the unsuppressed support (its variance is (se of the share x total)^2).
    const est = estimateSiteWith(manifest, reports, { kThreshold: null, shareMinZ: 0, now });
    est.models.forEach((m, mi) =>
      m.segments.forEach((c, v) => {
        const total = m.n.clear + m.n.ldp;
        const e = c.share!;
        const suppressedCell = isSuppressed(c.support, (e.se * total) ** 2, total, { kThreshold: kT });
        const truth = trueShares[mi]![v]!;
        const err = Math.abs(e.value - truth);
        const covered = e.lo <= truth && truth <= e.hi;
        shareErr.push(err);
        if (covered) shareCover++;
        const bm = m.model === 'pace' || m.model === 'mastery' ? byModel[m.model] : null;
        if (bm) {
          bm.err.push(err);
          if (covered) bm.cover++;
        }
        const isSmall = truth * n < kT;
        if (isSmall) small++;
        else large++;
        if (!suppressedCell && isSmall) smallPublished++;
        if (suppressedCell) {
          if (!isSmall) largeSuppressed++;
          suppressed++;
          suppressedBy.set(c.id, (suppressedBy.get(c.id) ?? 0) + 1);
          return;
        }
        c.featureMeans.forEach((fm, j) => {
          const t = trueSegMeans[mi]![v]![j]!;
          if (!fm.estimate || !Number.isFinite(t)) return;
          segErr.push(Math.abs(fm.estimate.value - t));
          if (fm.estimate.lo <= t && t <= fm.estimate.hi) segCover++;
        });
      }),
    );
    est.features.forEach((f, j) => {
      const truth = trueMeans[j]!;
      featErr.push(Math.abs(f.estimate!.value - truth));
      if (f.estimate!.lo <= truth && truth <= f.estimate!.hi) featCover++;
    });
  }
  const cells = shareErr.length / reps;
  return {
    config,
    reps,
    share: {
      mae: mean(shareErr),
      p95: quantile(shareErr, 0.95),
      max: Math.max(...shareErr),
      coverage: shareCover / shareErr.length,
      cells,
    },
    pace: { mae: mean(byModel.pace.err), coverage: byModel.pace.cover / byModel.pace.err.length },
    mastery: { mae: mean(byModel.mastery.err), coverage: byModel.mastery.cover / byModel.mastery.err.length },
    feature: { mae: mean(featErr), max: Math.max(...featErr), coverage: featCover / (reps * d) },
    segMeans: {
      published: segErr.length / reps,
      mae: segErr.length ? mean(segErr) : NaN,
      coverage: segErr.length ? segCover / segErr.length : NaN,
    },
    suppressed: {
      mean: suppressed / reps,
      often: [...suppressedBy]
        .filter(([, c]) => c / reps >= 0.05)
        .map(([id, c]) => `${id} (true n ${trueCount.get(id) ?? 0}) ${pct(c / reps, 0)}`),
      smallPublished: small ? smallPublished / small : NaN,
      largeSuppressed: large ? largeSuppressed / large : NaN,
    },
  };
}

function partB(manifest: Manifest, snaps: readonly Snapshot[], reps: number): string[] {
  const base = manifest.reporting;
  const configs: SimConfig[] = [
    ...snaps.map((s) => ({
      label: `seed (eps_s ${base.epsilonSegment}, eps_f ${base.epsilonFeatures})`,
      day: s.day,
      reporting: base,
    })),
    ...[0.5, 1, 2, 4].map((eps) => ({
      label: `eps_s = eps_f = ${eps}`,
      day: 28,
      reporting: { ...base, epsilonSegment: eps, epsilonFeatures: eps },
    })),
  ];
  const results = configs.map((c, ci) =>
    simulate(
      manifest,
      snaps.find((s) => s.day === c.day)!,
      c,
      reps,
      1_000_000 * (ci + 1),
    ),
  );
  const out: string[] = [];
  const n = snaps[0]!.x.length;
  const d = manifest.features.length;
  const ks = manifest.models.map((m) => m.segments.length);
  const cells = ks.reduce((a, b) => a + b, 0);
  out.push(
    `### B1. Segment shares from ldp reports (n = ${n} reports, one per learner; ${cells} share cells over the ${manifest.models.length} models; R = ${reps})`,
    '',
  );
  out.push(
    ...table(
      [
        'day',
        'reporting',
        'share MAE',
        'p95 abs. error',
        'max abs. error',
        'coverage',
        'pace MAE / cov.',
        'mastery MAE / cov.',
        `cells suppressed (k = ${base.kThreshold}), mean of R`,
        'suppressed in >= 5% of runs (true n)',
        `true n < ${base.kThreshold}: published`,
        `true n >= ${base.kThreshold}: suppressed`,
      ],
      results.map((r) => [
        `${r.config.day}`,
        r.config.label,
        num(r.share.mae, 4),
        num(r.share.p95, 4),
        num(r.share.max, 4),
        pct(r.share.coverage),
        `${num(r.pace.mae, 4)} / ${pct(r.pace.coverage)}`,
        `${num(r.mastery.mae, 4)} / ${pct(r.mastery.coverage)}`,
        `${num(r.suppressed.mean, 2)} of ${r.share.cells}`,
        r.suppressed.often.join(', ') || 'none',
        pct(r.suppressed.smallPublished),
        pct(r.suppressed.largeSuppressed),
      ]),
    ),
    '',
  );
  out.push(
    `### B2. Feature means from the noised feature field (d = ${d}; population means, and per-segment means in the cells estimateSite publishes)`,
    '',
  );
  out.push(
    ...table(
      [
        'day',
        'reporting',
        'pop. mean MAE',
        'max abs. error',
        'coverage',
        `per-segment cells published (of ${cells * d})`,
        'per-segment MAE',
        'coverage',
      ],
      results.map((r) => [
        `${r.config.day}`,
        r.config.label,
        num(r.feature.mae, 4),
        num(r.feature.max, 4),
        pct(r.feature.coverage),
        num(r.segMeans.published, 1),
        num(r.segMeans.mae, 4),
        pct(r.segMeans.coverage),
      ]),
    ),
    '',
  );

  out.push(
    '### B3. Reports needed for a 95% half-width of 0.05 (normal approximation, from the variance formulas in src/core/privacy)',
    '',
  );
  const distinctKs = [...new Set(ks)];
  const fs = Array.from({ length: 101 }, (_, i) => i / 100);
  const ts = Array.from({ length: 201 }, (_, i) => i / 100 - 1);
  const rows = [0.5, 1, 2, 4].map((eps) => {
    const share = (k: number) => {
      const oracle = chooseOracle(k, eps);
      const v = (f: number) => (oracle === 'grr' ? grrVariance(k, eps, 1, f) : oueVariance(eps, 1, f));
      return `${oracle}: ${reportsForHalfWidth(v(0), 0.05).toLocaleString('en')} / ${reportsForHalfWidth(Math.max(...fs.map(v)), 0.05).toLocaleString('en')}`;
    };
    // Var(z_j) <= E[z_j^2] = E_t[vectorVariance(t) + t^2], bounded by its largest value over t in [-1, 1]
    const feat = Math.max(...ts.map((t) => vectorVariance(t, d, eps) + t * t));
    return [
      `${eps}`,
      ...distinctKs.map(share),
      `${sampledDimensions(d, eps)}`,
      reportsForHalfWidth(feat, 0.05).toLocaleString('en'),
    ];
  });
  const shareHead = (k: number) =>
    `share, k = ${k} (${manifest.models
      .filter((m) => m.segments.length === k)
      .map((m) => m.id)
      .join(', ')}): f = 0 / worst f`;
  out.push(
    ...table(
      ['eps', ...distinctKs.map(shareHead), `dims sampled (d = ${d})`, 'feature mean (worst case)'],
      rows,
    ),
    '',
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const BEGIN =
  '<!-- evaluate-oulad:begin (generated by scripts/evaluate-oulad.ts --docs; do not edit by hand) -->';
const END = '<!-- evaluate-oulad:end -->';

async function main(): Promise<void> {
  const t0 = performance.now();
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const dir = arg('data') ?? process.env.OULAD_DIR ?? '/work/shared/data/oulad';
  const reps = Number(arg('reps') ?? 200);
  const manifest = seedManifest();
  const enrolments = await load(dir);
  const tLoad = performance.now();
  const snaps = snapshots(manifest, enrolments, MAPPING);
  const sensitivity = SENSITIVITY.map((mapping) => ({
    mapping,
    snaps: snapshots(manifest, enrolments, mapping),
  }));
  const tA = performance.now();
  const lines: string[] = [
    `Data: OULAD (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0), runs ${RUNS.join(', ')}: ${enrolments.length} enrolments, ` +
      `${enrolments.filter((e) => e.clicks.length > 0).length} with clicks, ${enrolments.reduce((s, e) => s + e.clicks.length, 0)} click rows. ` +
      `Manifest: seeded ${manifest.site.id} v${manifest.version}. Seeds fixed; R = ${reps}.`,
    '',
    '## Part A: segment validation',
    '',
    ...partA(manifest, enrolments, snaps, sensitivity),
    '## Part B: LDP estimation error',
    '',
    ...partB(manifest, snaps, reps),
  ];
  const tB = performance.now();
  lines.push(
    `Runtime: load ${((tLoad - t0) / 1000).toFixed(1)} s, part A ${((tA - tLoad) / 1000).toFixed(1)} s, part B ${((tB - tA) / 1000).toFixed(1)} s.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.argv.includes('--docs')) {
    const path = resolve(fileURLToPath(new URL('..', import.meta.url)), 'docs/EVALUATION.md');
    const doc = readFileSync(path, 'utf8');
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${path}: the generated-block markers are missing`);
    // the runtime line varies run to run; the docs keep only the tables
    writeFileSync(
      path,
      `${doc.slice(0, a + BEGIN.length)}\n\n${lines.slice(0, -1).join('\n')}\n${doc.slice(b)}`,
    );
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
