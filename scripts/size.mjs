// `npm run size`: minified and gzip sizes of what ships to browsers, against their budgets.
// Exits 1 when a budget is exceeded, a bundle could eval strings, carries zod or a server-only schema
// (npm test runs it after the build).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { join } from 'node:path';
import { root } from './lib.mjs';
import { breakdown, breakdownRows } from './size-breakdown.mjs';
import { TFJS_INTERNAL } from './tfjs-trim.mjs';

// Budgets in bytes, gzip -9 (issue 13: the main thread at most 8 KB). The main-thread client carries no
// zod: its field-named errors come from the plain checks of src/core/schema/checks.ts.
const budgets = {
  // The main thread's budgets include what left the worker with the early release (issue 24: the page
  // reads the store and releases the stored decision itself, src/client/early.ts). Each is ~120 B above
  // its size; the combined budget below is the one that holds the line.
  'edseg.js': 8_040, // script tag: main thread, no TensorFlow.js, no zod, no RPC library
  'edseg.mjs': 7_520, // npm ESM client
  'edseg.worker.js': 24_900, // worker: its start (the manifest request) then the engine, plain IndexedDB, WebCrypto JWS, plain checks, trimmed tfjs-core + edseg's own kernels
  'activate.mjs': 3_000, // edseg/activate (loaded by the script tag only with data-activate): no zod
};

// What a page pays in all: its main-thread bundle and the worker together, gzip -9 (issue 24). The budget
// fails like the others; it is now the goal itself (32 KiB), which the script tag and the worker meet.
const COMBINED_BUDGET = 32_768;
const COMBINED_GOAL = 32_768;
const combined = [
  ['edseg.js', 'edseg.worker.js'],
  ['edseg.mjs', 'edseg.worker.js'],
];

// Server-only shapes (src/core/schema/server.ts, admin.ts) must never reach a browser bundle. These field
// names and codes survive minification and occur in no browser shape; each must still be in one of
// those modules, so the list cannot go stale unnoticed.
const serverOnly = [
  'publishedBy',
  'private_jwk',
  'published_at',
  'educationRecordFeatures',
  'publishedPolicy',
  'changedModels',
  'means-withheld',
  'republished',
];
const serverSchemas = ['server.ts', 'admin.ts']
  .map((f) => readFileSync(join(root, 'src/core/schema', f), 'utf8'))
  .join('\n');

let over = false;
const rows = [];
const evalRows = [];
const serverRows = [];
const breakdowns = [];
const gzipOf = new Map();
for (const marker of serverOnly) {
  if (!serverSchemas.includes(marker)) {
    over = true;
    serverRows.push(`STALE "${marker}" is in neither src/core/schema/server.ts nor admin.ts: pick another`);
  }
}
for (const [file, budget] of Object.entries(budgets)) {
  const p = join(root, 'dist', file);
  if (!existsSync(p)) {
    console.error(`missing dist/${file}: run npm run build`);
    process.exit(1);
  }
  const buf = readFileSync(p);
  const gz = gzipSync(buf, { level: 9 }).length;
  const br = brotliCompressSync(buf).length;
  const ok = gz <= budget;
  gzipOf.set(file, gz);
  // Where the bytes go (issue 24: measure each dependency before taking any out).
  if (file === 'edseg.worker.js' || file === 'edseg.js')
    breakdowns.push(`${file}: what each part costs`, ...breakdownRows(p, gz));
  over ||= !ok;
  rows.push(
    `${ok ? 'ok  ' : 'OVER'} ${file.padEnd(18)} ${String(buf.length).padStart(8)} B min  ${String(gz).padStart(7)} B gz  ${String(br).padStart(7)} B br  (budget ${budget} B gz)`,
  );
  // A strict CSP (no 'unsafe-eval') must never see the SDK evaluate strings: none of the bundles may contain it.
  const hit = buf.toString('utf8').match(/new Function\(|(?<![.\w$])eval\(|setTimeout\(\s*["'`]/);
  if (hit) {
    over = true;
    evalRows.push(`EVAL ${file}: contains "${hit[0]}" (would need 'unsafe-eval' under CSP)`);
  } else evalRows.push(`ok   ${file.padEnd(18)} no eval / new Function`);
  // No browser bundle parses with zod: they check with the plain checks of src/core/schema (issue 24).
  const zod = breakdown(p).find(([group]) => group === 'zod');
  if (zod) {
    over = true;
    serverRows.push(`ZOD  ${file}: carries ${zod[1]} B of zod (use the plain checks of src/core/schema)`);
  } else serverRows.push(`ok   ${file.padEnd(18)} no zod`);
  // The worker's build shortens tfjs-core's internal property names (scripts/tfjs-trim.mjs TFJS_INTERNAL):
  // none may be left as a property access, key or method.
  if (file === 'edseg.worker.js') {
    // outside string literals: the trim's messages name methods ("engine.runKernelFunc() beyond ...")
    const code = buf.toString('utf8').replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
    const kept = TFJS_INTERNAL.filter((n) => new RegExp(`\\.${n}\\b|[{,]${n}[:(]`).test(code));
    if (kept.length > 0) {
      over = true;
      serverRows.push(`TFJS ${file}: tfjs-core internals not shortened: ${kept.join(', ')}`);
    } else serverRows.push(`ok   ${file.padEnd(18)} tfjs-core internals shortened`);
  }
  const leaked = serverOnly.filter((m) => buf.includes(m));
  if (leaked.length > 0) {
    over = true;
    serverRows.push(`SERVER ${file}: contains server-only schema fields ${leaked.join(', ')}`);
  } else serverRows.push(`ok   ${file.padEnd(18)} no server-only shapes`);
}
for (const pair of combined) {
  const gz = pair.reduce((sum, f) => sum + gzipOf.get(f), 0);
  const ok = gz <= COMBINED_BUDGET;
  over ||= !ok;
  const goal = gz <= COMBINED_GOAL ? 'goal met' : `${gz - COMBINED_GOAL} B over the goal`;
  rows.push(
    `${ok ? 'ok  ' : 'OVER'} ${pair.join(' + ').padEnd(33)} ${String(gz).padStart(7)} B gz  (budget ${COMBINED_BUDGET} B gz; goal ${COMBINED_GOAL}: ${goal})`,
  );
}
console.log([...rows, ...evalRows, ...serverRows, '', ...breakdowns].join('\n'));
process.exit(over ? 1 : 0);
