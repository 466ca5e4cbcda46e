// Assignment with TensorFlow.js (tfjs-core on the CPU backend, the kernels the worker registers)
// against plain JS (assignReference, the float64 specification), the baseline of the same run:
//   1. one vector per model, and computeFeatures(), for a realistic manifest: 8 features, 5 models of
//      3-6 segments (centroids and softmax), 60 days of rollups;
//   2. the demo site's models (seed data): one vector and a batch of 100,000 (assignBatch), after
//      checking that the two agree on every vector of the batch.
// Run: npx tsx scripts/bench/parts/assign.mjs [samples] [batch]
import { fmt, markdownTable, medianMs, medianMsSync, printTable, ratio } from '../lib.ts';
import { computeFeatures } from '../../../src/core/features.ts';
import { assign, assignBatch, assignReference, modelInput } from '../../../src/core/model.ts';
import { rollupEvents } from '../../../src/core/rollup.ts';
import { DAY_MS, FeatureSpec, Model, parseOrThrow } from '../../../src/core/schema.ts';
import { seededRandom } from '../../../src/core/privacy/random.ts';
import { ready } from '../../../src/core/tf.ts';
import { seedModels } from '../../../src/server/demo/models.ts';

const SAMPLES = Number(process.argv[2] ?? 2000);
const BATCH = Number(process.argv[3] ?? 100_000);
const WARMUP = 200;
const TODAY = 20_000;

// The project's seeded generator, so every run benches the same data.
const rng = seededRandom(42);
const rand = () => rng.real();

const f = (over) =>
  parseOrThrow(FeatureSpec, {
    transform: 'none',
    normalisation: { kind: 'minmax' },
    educationRecord: false,
    ...over,
  });
const features = [
  f({
    name: 'lessons7',
    kind: 'count',
    events: ['lesson_complete'],
    windowDays: 7,
    transform: 'log1p',
    clip: [0, 3],
  }),
  f({
    name: 'minutes28',
    kind: 'sum',
    events: ['lesson_complete', 'video_watch'],
    prop: 'minutes',
    windowDays: 28,
    transform: 'sqrt',
    clip: [0, 40],
  }),
  f({
    name: 'quizScore28',
    kind: 'mean',
    events: ['quiz_answer'],
    prop: 'score',
    windowDays: 28,
    clip: [0, 1],
    educationRecord: true,
  }),
  f({
    name: 'activeDays28',
    kind: 'distinctDays',
    events: ['lesson_complete', 'quiz_answer', 'video_watch'],
    windowDays: 28,
    clip: [0, 28],
  }),
  f({ name: 'idleDays', kind: 'recencyDays', events: ['lesson_complete'], windowDays: 30, clip: [0, 30] }),
  f({
    name: 'hintRate14',
    kind: 'ratio',
    events: ['hint_request'],
    denominator: ['quiz_answer'],
    windowDays: 14,
    clip: [0, 2],
  }),
  f({
    name: 'accuracy14',
    kind: 'mean',
    events: ['quiz_answer'],
    prop: 'correct',
    windowDays: 14,
    clip: [0, 1],
    normalisation: { kind: 'zscore', mean: 0.6, sd: 0.2 },
    educationRecord: true,
  }),
  f({
    name: 'goal',
    kind: 'declared',
    events: [],
    key: 'goal',
    values: { exam: 1, travel: 0, fun: -1 },
    default: 0,
    windowDays: 1,
    clip: [-1, 1],
  }),
];
const names = features.map((x) => x.name);

const seg = (id) => ({
  id,
  name: id,
  minAgeBand: 'teen',
  documentation: { dataSources: ['events'], criteria: 'nearest', validation: 'n/a', changelog: [] },
});
const coords = (n) => Array.from({ length: n }, () => rand() * 2 - 1);
const centroids = (id, k, feats) =>
  parseOrThrow(Model, {
    id,
    purpose: 'instruction',
    kind: 'centroids',
    features: feats,
    segments: Array.from({ length: k }, (_, i) => seg(`${id}_${i}`)),
    centroids: Array.from({ length: k }, () => coords(feats.length)),
  });
const softmax = (id, k, feats) =>
  parseOrThrow(Model, {
    id,
    purpose: 'analytics',
    kind: 'softmax',
    features: feats,
    segments: Array.from({ length: k }, (_, i) => seg(`${id}_${i}`)),
    weights: Array.from({ length: feats.length }, () => coords(k)),
    bias: coords(k),
  });
const models = [
  centroids('engagement', 4, names.slice(0, 6)),
  centroids('mastery', 3, ['quizScore28', 'accuracy14', 'hintRate14']),
  softmax('risk', 5, names),
  centroids('pace', 6, names),
  softmax('intent', 3, ['goal', 'lessons7', 'minutes28', 'idleDays']),
];

// 60 days of a regular learner: ~0-6 lessons, quizzes, hints and videos a day.
const events = [];
for (let day = TODAY - 59; day <= TODAY; day++) {
  const add = (type, props) => events.push({ type, ts: day * DAY_MS, day, props });
  for (let i = Math.floor(rand() * 4); i > 0; i--)
    add('lesson_complete', { minutes: Math.round(rand() * 20) });
  for (let i = Math.floor(rand() * 7); i > 0; i--)
    add('quiz_answer', { score: rand(), correct: rand() < 0.6 });
  for (let i = Math.floor(rand() * 3); i > 0; i--) add('hint_request', {});
  for (let i = Math.floor(rand() * 2); i > 0; i--) add('video_watch', { minutes: Math.round(rand() * 10) });
}
const rollups = rollupEvents(events);
const declared = { goal: 'exam' };

const median = (fn) => medianMsSync(fn, SAMPLES, WARMUP);
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;

await ready();
const { normalised } = computeFeatures(rollups, declared, features, TODAY);
const inputs = models.map((m) => modelInput(m, names, normalised));

console.log(
  `${features.length} features, ${models.length} models (${models.map((m) => `${m.kind} k=${m.segments.length} d=${m.features.length}`).join('; ')}); ${events.length} events -> ${rollups.length} rollup rows; median of ${SAMPLES} samples after ${WARMUP} warm-up\n`,
);
const rows = [];
const feat = median(() => computeFeatures(rollups, declared, features, TODAY));
rows.push(['computeFeatures (8 features)', us(feat), '-', '-']);
models.forEach((m, i) => {
  const tf = median(() => assign(m, inputs[i]));
  const ref = median(() => assignReference(m, inputs[i]));
  rows.push([
    `assign ${m.id} (${m.kind} k=${m.segments.length} d=${m.features.length}), TF.js`,
    us(tf),
    `${us(ref)} plain JS`,
    ratio(tf, ref),
  ]);
});
const all = median(() => {
  const v = computeFeatures(rollups, declared, features, TODAY).normalised;
  for (const m of models) assign(m, modelInput(m, names, v));
});
const allRef = median(() => {
  const v = computeFeatures(rollups, declared, features, TODAY).normalised;
  for (const m of models) assignReference(m, modelInput(m, names, v));
});
rows.push([
  'all 5 models (features + 5 assigns), TF.js',
  us(all),
  `${us(allRef)} plain JS`,
  ratio(all, allRef),
]);
console.log(markdownTable(['figure', 'median', 'baseline (same run)', 'ratio'], rows));

// 2. The demo site's models: one vector and a batch, TF.js against plain JS.
const batchRows = [];
for (const model of seedModels('2026-12-01')) {
  const d = model.features.length;
  const xs = Array.from({ length: BATCH }, () => Array.from({ length: d }, () => rand() * 2 - 1));
  const x = xs[0];
  // The two must agree before either is timed.
  const tf = assignBatch(model, xs);
  const mismatches = xs.reduce((n, v, i) => n + (assignReference(model, v).index === tf[i] ? 0 : 1), 0);
  const oneRef = median(() => assignReference(model, x));
  const oneTf = median(() => assign(model, x));
  const batchRef = await medianMs(() => xs.map((v) => assignReference(model, v).index), 7, 1);
  const batchTf = await medianMs(() => assignBatch(model, xs), 7, 1);
  batchRows.push([
    `${model.id} (${model.kind}, k=${model.segments.length}, d=${d})`,
    fmt.ms(oneRef),
    fmt.ms(oneTf),
    ratio(oneTf, oneRef),
    fmt.ms(batchRef),
    fmt.ms(batchTf),
    ratio(batchTf, batchRef),
    `${mismatches}`,
  ]);
}
console.log('');
printTable(
  `The demo site's models: TensorFlow.js against plain JS (Node ${process.version}, tfjs-core CPU backend)`,
  [
    'model',
    'one vector: plain JS',
    'one vector: TF.js',
    'TF.js / JS',
    `${fmt.int(BATCH)} batch: plain JS`,
    `${fmt.int(BATCH)} batch: TF.js`,
    'TF.js / JS',
    'disagreements',
  ],
  batchRows,
  [
    `Medians: one vector of ${SAMPLES} samples after ${WARMUP} warm-up; the batch of 7 after 1. Ratios above 1 mean TF.js is slower.`,
  ],
);
