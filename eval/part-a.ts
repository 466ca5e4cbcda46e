/** Part A's tables (A1-A4): the pace and mastery segments at snapshot days against final_result. */
import type { Manifest } from '../src/core/schema.js';
import { RUNS, type Enrolment } from './data.js';
import { headline, headlineStats, HEADLINES, population, type Headline } from './headlines.js';
import { MAPPING, type Mapping } from './mapping.js';
import { QUIZ_FEATURE, quizWindowDays, type Snapshot } from './segments.js';
import { OUTCOMES, outcomesBySegment } from './stats.js';
import { num, pct, table } from './tables.js';

/** Part A's tables A1-A4 for the primary mapping's snapshots and the sensitivity mappings'. */
export function partA(
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
    for (const run of RUNS.filter((r) => enrolments.some((e) => e.run === r))) {
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
