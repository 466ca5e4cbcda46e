// `npm run size`: minified and gzip sizes of what ships to browsers, against their budgets.
// Exits 1 when a budget is exceeded (npm test runs it after the build).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { join } from 'node:path';
import { root } from './lib.mjs';

// Budgets in bytes, gzip -9. The main-thread client carries zod/mini for field-named errors.
const budgets = {
  'edseg.js': 16_000, // script tag: main thread, no TensorFlow.js
  'edseg.mjs': 16_000, // npm ESM client
  'edseg.worker.js': 52_000, // worker: engine, idb, jose, zod, custom tfjs (core + cpu, only the kernels used)
};

let over = false;
const rows = [];
const evalRows = [];
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
}
console.log([...rows, ...evalRows].join('\n'));
process.exit(over ? 1 : 0);
