// Shared by the worker benchmarks in scripts/bench/ (this file is not a benchmark itself): the
// Markdown table, and a page in Debian's Chromium that runs the worker's store code
// (worker/idb.ts and the pure core it needs, bundled with esbuild) on a real IndexedDB.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM, root } from './lib.mjs';

/** Prints a Markdown table: `head` is the header row, `rows` the body (cells already formatted). */
export function printTable(title, head, rows, notes = []) {
  console.log(`### ${title}\n`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  for (const n of notes) console.log(`\n${n}`);
  console.log('');
}

export const fmt = {
  ms: (x) => (x < 1 ? `${(x * 1000).toFixed(1)} us` : `${x.toFixed(2)} ms`),
  ratio: (x) => `${x.toFixed(2)}x`,
  int: (x) => Math.round(x).toLocaleString('en-US'),
};

/** The worker's store and the pure core it needs, as one browser module exposed on `globalThis.bench`. */
const ENTRY = `
  export { IdbStore } from './worker/idb.ts';
  export { rollupDeltas, rollupEvents } from './src/core/rollup.ts';
  export { computeFeatures, rollupWindowDays } from './src/core/features.ts';
  export { vocabularyOf, minimise } from './src/core/minimise.ts';
  export { SEED_FEATURES } from './src/server/seed-data/features.ts';
  // The medians and the demo's event stream, also imported by the Node-side benchmarks (under tsx).
  export { demoEvent, median, medianMs } from './scripts/worker-bench-browser.ts';
`;

/**
 * A Chromium page at a real origin (served by route, nothing listens) with `globalThis.bench` set to
 * the bundle above. Returns { page, close }.
 */
export async function storePage() {
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'bench-entry.ts' },
    bundle: true,
    format: 'iife',
    globalName: 'bench',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0].text;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  await page.route('http://bench.edseg.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><script>${js.replace(/<\/script/g, '<\\/script')}</script>`,
    }),
  );
  await page.goto('http://bench.edseg.test/');
  return { page, close: () => browser.close() };
}
