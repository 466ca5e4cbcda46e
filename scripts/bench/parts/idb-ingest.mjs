// IndexedDB ingest in Chromium: the worker's own path for a batch of tracked events (minimise by the
// demo site's features, rollup deltas, IdbStore.addEvents: one transaction per batch) on a real
// IndexedDB, against the same events written one transaction each (the baseline, same run).
// Goal (issue 13): at least 50,000 events/s in batches. Run: npx tsx scripts/bench/parts/idb-ingest.mjs [events]
import { fmt, printTable, storePage } from '../lib.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const BASELINE_EVENTS = 3_000;
const RUNS = 3;

const { page, close } = await storePage();
try {
  const result = await page.evaluate(
    async ({ EVENTS, BASELINE_EVENTS, RUNS }) => {
      const { IdbStore, rollupDeltas, vocabularyOf, minimise, SEED_FEATURES, demoEvent, median } =
        globalThis.bench;
      const vocab = vocabularyOf(SEED_FEATURES);
      const now = Date.now();
      // What the demo page tracks, as a page sends it: tracked over the last hour.
      const event = (i) => demoEvent(i, now, 1);
      let n = 0;
      /** events/s writing `total` events in batches of `batch` (a fresh database each run). */
      async function rate(total, batch) {
        const rates = [];
        for (let r = 0; r < RUNS; r++) {
          const store = await IdbStore.open(`bench-${n++}`);
          const t0 = performance.now();
          for (let i = 0; i < total; i += batch) {
            const kept = [];
            for (let j = i; j < Math.min(total, i + batch); j++) {
              const m = minimise(event(j), vocab);
              if (m) kept.push(m);
            }
            await store.addEvents(kept, kept.flatMap(rollupDeltas));
          }
          rates.push(total / ((performance.now() - t0) / 1000));
          await store.destroy();
        }
        return median(rates);
      }
      return {
        single: await rate(BASELINE_EVENTS, 1),
        b100: await rate(EVENTS, 100),
        b500: await rate(EVENTS, 500),
        b5000: await rate(EVENTS, 5_000),
      };
    },
    { EVENTS, BASELINE_EVENTS, RUNS },
  );
  const row = (label, n, r) => [label, fmt.int(n), `${fmt.int(r)} events/s`, fmt.ratio(r / result.single)];
  printTable(
    'IndexedDB ingest (Chromium, real IndexedDB)',
    ['write', 'events', `median of ${RUNS} runs`, 'vs one transaction per event'],
    [
      row('one transaction per event (baseline)', BASELINE_EVENTS, result.single),
      row('batches of 100, one transaction each', EVENTS, result.b100),
      row('batches of 500, one transaction each', EVENTS, result.b500),
      row('batches of 5,000, one transaction each', EVENTS, result.b5000),
    ],
    [
      `Goal: at least 50,000 events/s in batches. ${[
        [100, result.b100],
        [500, result.b500],
        [5_000, result.b5000],
      ]
        .map(([b, r]) => `${fmt.int(b)} per batch: ${r >= 50_000 ? 'met' : 'not met'}`)
        .join('; ')}.`,
    ],
  );
} finally {
  await close();
}
