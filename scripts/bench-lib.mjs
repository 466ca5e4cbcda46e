// The one library of the benchmark parts in scripts/bench/ (this file is not a part), for the Node-side
// parts and the browser ones alike: medians (bench-core.ts, the same code the browser page runs),
// the Markdown tables every part prints, ratios and number formats, and storePage: a page in Debian's
// Chromium that runs the worker's store code (worker/idb.ts and the pure core it needs) on a real
// IndexedDB. Parts run under tsx (scripts/bench.mjs, or `npx tsx scripts/bench/<part>.mjs`).
import { CHROMIUM, root } from './lib.mjs';

export { demoEvent, median, medianMs, medianMsSync } from './bench-core.ts';

/** A Markdown table: `head` the column names, `rows` arrays of cells. */
export function markdownTable(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints a titled Markdown table and the notes under it. */
export function printTable(title, head, rows, notes = []) {
  console.log(`### ${title}\n`);
  console.log(markdownTable(head, rows));
  for (const n of notes) console.log(`\n${n}`);
  console.log('');
}

/** `a / b` as "1.23x" (or "-" when b is 0). */
export const ratio = (a, b) => (b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

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
  export { SEED_FEATURES } from './src/server/demo/features.ts';
  export { demoEvent, median, medianMs } from './scripts/bench-core.ts';
`;

/**
 * A Chromium page at a real origin (served by route, nothing listens) with `globalThis.bench` set to
 * the bundle above. Returns { page, close }. (esbuild and Playwright load only for the parts that use it.)
 */
export async function storePage() {
  const [{ build }, { chromium }] = await Promise.all([import('esbuild'), import('playwright-core')]);
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
