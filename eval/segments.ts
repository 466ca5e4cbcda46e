/**
 * The learners' segments at snapshot days, computed through the SDK's own code: the seeded manifest
 * as the server signs it, rollupEvents -> computeFeatures -> assignReference.
 */
import { computeFeatures } from '../src/core/features.js';
import { assignReference, modelInput } from '../src/core/model.js';
import { rollupEvents } from '../src/core/rollup.js';
import type { Manifest, Rollup } from '../src/core/schema.js';
import { buildManifest } from '../src/server/sites/publish.js';
import { SEED_SITE, seedDefinition, seedOrigins, seedPolicy } from '../src/server/demo/seed.js';
import type { Enrolment } from './data.js';
import { enrolledAt, enrolmentEvents, toDay, type Mapping } from './mapping.js';

/** The module days at which segments are judged. */
export const SNAPSHOTS = [14, 28, 56, 90];

/** The seeded manifest exactly as the server signs it (version 1, fixed dates so runs repeat). */
export function seedManifest(): Manifest {
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
export type Snapshot = {
  day: number;
  segment: number[][];
  x: number[][];
  quizInWindow: boolean[];
  activeBefore: boolean[];
};

/** The manifest's quiz-accuracy feature, whose window decides who has quiz answers "in the window". */
export const QUIZ_FEATURE = 'quiz_accuracy_14d';

/** The window of the manifest's quiz-accuracy feature, in days. */
export function quizWindowDays(manifest: Manifest): number {
  const f = manifest.features.find((x) => x.name === QUIZ_FEATURE);
  if (!f) throw new Error(`the manifest has no feature "${QUIZ_FEATURE}"`);
  return f.windowDays;
}

/** Every enrolment's segments and features at each SNAPSHOTS day, under mapping `m`. */
export function snapshots(manifest: Manifest, enrolments: readonly Enrolment[], m: Mapping): Snapshot[] {
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

/**
 * The seeded manifest's raw features (before normalisation) of the enrolments live on module day
 * `day`, as a CSV (id column `learner`): the input `edseg-admin fit --csv FILE --manifest FILE`
 * normalises as the manifest does. Declared features (no OULAD counterpart) are left out. With
 * `label`, a last column `final_result` holds each enrolment's outcome (Distinction, Pass, Fail,
 * Withdrawn): the labelled CSV of `edseg-admin train --label final_result` and the console's train page.
 */
export function featureCsv(
  manifest: Manifest,
  enrolments: readonly Enrolment[],
  day: number,
  m: Mapping,
  opts: { label?: boolean } = {},
): string {
  const specs = manifest.features.filter((f) => f.kind !== 'declared');
  const at = specs.map((f) => manifest.features.indexOf(f));
  const rows = enrolments
    .filter((e) => enrolledAt(e, day))
    .map((e) => {
      const { raw } = computeFeatures(
        rollupEvents(enrolmentEvents(e.clicks, e.subs, m)),
        {},
        manifest.features,
        toDay(day),
      );
      return [e.key, ...at.map((i) => String(raw[i])), ...(opts.label ? [e.outcome] : [])].join(',');
    });
  const header = ['learner', ...specs.map((f) => f.name), ...(opts.label ? ['final_result'] : [])];
  return `${header.join(',')}\n${rows.join('\n')}\n`;
}
