// `npm test`: everything a fresh machine needs, then every suite, then one summary line.
//   1. Debian's Chromium (installed with apt-get when missing and running as root)
//   2. lint (prettier --check, eslint), type-check, then build dist/ (the e2e tests run against the built files, as users do),
//      size budgets, entry points, and `package`: both npm packages packed and checked (publint, attw, a consumer
//      with no zod type-checks)
//   3. vitest: unit, stats (statistical + privacy audit), server (HTTP + PGlite + PostgreSQL)
//   4. Playwright e2e in Chromium
//   5. examples: the apps in examples/ installed from the packed edseg, built, driven in Chromium (scripts/examples.mjs)
//   6. browsers: the cross-browser scenarios in Chromium, Firefox ESR and WebKitGTK (test/browsers/run.mjs),
//      each scenario x engine one test; Firefox ESR, WebKitGTK's driver and xvfb are installed like Chromium
// The last line reads "tests: N passed, N failed, N skipped".
import { readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureBrowsers, ensureChromium, root, run } from './lib.mjs';

const cache = join(root, '.cache');
mkdirSync(cache, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const want = (s) => only.length === 0 || only.includes(s);
const totals = { passed: 0, failed: 0, skipped: 0 };
const steps = [];

async function step(name, fn) {
  const t0 = Date.now();
  const code = await fn();
  steps.push(`${name}: ${code === 0 ? 'ok' : `exit ${code}`} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return code;
}

let setupFailed = false;
if ((want('e2e') || want('examples')) && !ensureChromium()) setupFailed = true;
if (want('browsers') && !ensureBrowsers()) setupFailed = true;
const bin = (p) => join(root, 'node_modules', p);
const lint = async () =>
  (await run(process.execPath, [bin('prettier/bin/prettier.cjs'), '--check', '--log-level', 'warn', '.'])) ||
  (await run(process.execPath, [bin('eslint/bin/eslint.js'), '.']));
if (await step('lint', lint)) setupFailed = true;
if (
  await step('typecheck', () =>
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']),
  )
)
  setupFailed = true;
if (await step('build', build)) setupFailed = true;
else if (await step('size budgets', () => run(process.execPath, [join(root, 'scripts/size.mjs')])))
  setupFailed = true;
else if (
  await step('package entry points', () => run(process.execPath, [join(root, 'scripts/check-package.mjs')]))
)
  setupFailed = true;
else if (
  want('package') &&
  (await step('package', () => run(process.execPath, [join(root, 'scripts/pack.mjs')])))
)
  setupFailed = true;

const vitestProjects = ['unit', 'stats', 'server'].filter(want);
if (vitestProjects.length) {
  const out = join(cache, 'vitest-results.json');
  rmSync(out, { force: true });
  await step('vitest', () =>
    run(process.execPath, [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      ...vitestProjects.flatMap((p) => ['--project', p]),
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${out}`,
    ]),
  );
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    for (const f of r.testResults ?? [])
      if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) totals.failed += 1;
  } else totals.failed += 1;
}

if (want('e2e') && !setupFailed) {
  const out = join(cache, 'e2e-results.json');
  rmSync(out, { force: true });
  await step('e2e', () =>
    run(process.execPath, [join(root, 'node_modules/@playwright/test/cli.js'), 'test']),
  );
  if (existsSync(out)) {
    const s = JSON.parse(readFileSync(out, 'utf8')).stats ?? {};
    totals.passed += s.expected ?? 0;
    totals.failed += (s.unexpected ?? 0) + (s.flaky ?? 0);
    totals.skipped += s.skipped ?? 0;
    if ((s.expected ?? 0) + (s.unexpected ?? 0) === 0) totals.failed += 1;
  } else totals.failed += 1;
}

// The example apps (examples/), installed from the packed tarball, built and driven in Chromium.
if (want('examples') && !setupFailed) {
  const out = join(cache, 'examples-results.json');
  rmSync(out, { force: true });
  await step('examples', () => run(process.execPath, [join(root, 'scripts/examples.mjs')]));
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.passed;
    totals.failed += r.failed;
  } else totals.failed += 1;
}

// The same scenarios in Chromium, Firefox ESR and WebKitGTK (test/browsers/), a table scenario x browser.
if (want('browsers') && !setupFailed) {
  const out = join(cache, 'browsers-results.json');
  rmSync(out, { force: true });
  await step('browsers', () =>
    run(process.execPath, ['--import', 'tsx', join(root, 'test/browsers/run.mjs')]),
  );
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
    if (r.passed + r.failed === 0) totals.failed += 1;
  } else totals.failed += 1;
}

if (setupFailed) totals.failed += 1;
console.log('\n' + steps.join('\n'));
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
