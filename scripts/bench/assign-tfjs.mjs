// TensorFlow.js (tfjs-core on the CPU backend, the kernels the worker registers) against plain-JS
// assignment (assignReference, the float64 specification), for one vector and for a batch of
// 100,000, with the demo site's models. Both from the same run; the plain-JS figure is the baseline.
// Run: node scripts/bench/assign-tfjs.mjs (it re-runs itself under tsx to import the TypeScript sources).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (!process.env.EDSEG_BENCH_TSX) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, EDSEG_BENCH_TSX: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

const { fmt, printTable } = await import('../worker-bench-lib.mjs');
const { medianMs } = await import('../worker-bench-browser.ts');
const { assign, assignBatch, assignReference } = await import('../../src/core/model.ts');
const { ready } = await import('../../src/core/tf.ts');
const { seedModels } = await import('../../src/server/seed-data/models.ts');
const { seededRandom } = await import('../../src/core/privacy/random.ts');

const BATCH = Number(process.argv[2] ?? 100_000);
const rng = seededRandom(13);
await ready();

const rows = [];
for (const model of seedModels('2026-12-01')) {
  const d = model.features.length;
  const xs = Array.from({ length: BATCH }, () => Array.from({ length: d }, () => rng.real() * 2 - 1));
  const x = xs[0];
  // The two must agree before either is timed.
  const tf = assignBatch(model, xs);
  const mismatches = xs.reduce((n, v, i) => n + (assignReference(model, v).index === tf[i] ? 0 : 1), 0);
  const oneRef = await medianMs(() => assignReference(model, x), 2001, 200);
  const oneTf = await medianMs(() => assign(model, x), 2001, 200);
  const batchRef = await medianMs(() => xs.map((v) => assignReference(model, v).index), 7, 1);
  const batchTf = await medianMs(() => assignBatch(model, xs), 7, 1);
  rows.push([
    `${model.id} (${model.kind}, k=${model.segments.length}, d=${d})`,
    fmt.ms(oneRef),
    fmt.ms(oneTf),
    fmt.ratio(oneTf / oneRef),
    fmt.ms(batchRef),
    fmt.ms(batchTf),
    fmt.ratio(batchTf / batchRef),
    `${mismatches}`,
  ]);
}
printTable(
  `Assignment: TensorFlow.js against plain JS (Node ${process.version}, tfjs-core CPU backend)`,
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
  rows,
  [
    'Medians: one vector of 2,001 samples after 200 warm-up; the batch of 7 after 1. Ratios above 1 mean TF.js is slower.',
  ],
);
