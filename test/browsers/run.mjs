// `npm run test:browsers [chromium firefox webkit] [--only=word]`: the cross-browser suite. Every
// scenario (scenarios.mjs) in every engine (drivers.mjs), one browser per engine, a fresh context,
// profile or session per scenario; then a table scenario x browser, and .cache/browsers-results.json
// for `npm test` (scripts/test.mjs), where each scenario x engine is one test. A scenario an engine
// cannot run is "n/a" with the reason, counted as skipped, never dropped silently. Exits 1 on any
// failure. Needs dist/ (npm run build); run with `node --import tsx` (package.json does).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../../scripts/lib.mjs';
import { ENGINES, engine } from './drivers.mjs';
import { scenarios } from './scenarios.mjs';
import { startSite } from './site.mjs';

const args = process.argv.slice(2);
const onlyWord = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const names = args.filter((a) => !a.startsWith('--'));
const engines = names.length ? names : ENGINES;
const chosen = scenarios.filter((s) => !onlyWord || s.name.includes(onlyWord));
const SCENARIO_MS = 120_000;

for (const f of ['edseg.js', 'edseg.worker.js', 'server.mjs'])
  if (!existsSync(join(root, 'dist', f))) {
    console.error(`browsers: dist/${f} is missing; run npm run build first`);
    process.exit(1);
  }
if (chosen.length === 0) {
  console.error(`browsers: no scenario matches --only=${onlyWord}`);
  process.exit(1);
}

const t0 = Date.now();
const results = [];
const site = await startSite();
try {
  for (const name of engines) {
    let e;
    try {
      e = engine(name);
    } catch (err) {
      for (const s of chosen)
        results.push({ scenario: s.name, engine: name, status: 'fail', note: err.message });
      continue;
    }
    for (const s of chosen) {
      if (s.gpc && e.gpc !== true) {
        results.push({ scenario: s.name, engine: name, status: 'n/a', note: e.gpc });
        console.log(`- ${name} / ${s.name}: ${e.gpc}`);
        continue;
      }
      const started = Date.now();
      let session;
      let timer;
      try {
        session = await e.session({ gpc: Boolean(s.gpc) });
        const note = await Promise.race([
          s.run({ session, site }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${SCENARIO_MS} ms`)), SCENARIO_MS);
          }),
        ]);
        results.push({ scenario: s.name, engine: name, status: 'pass', ms: Date.now() - started, note });
        console.log(`✓ ${name} / ${s.name} (${Date.now() - started} ms)${note ? `: ${note}` : ''}`);
      } catch (err) {
        const note = String(err?.message ?? err).split('\n')[0];
        results.push({ scenario: s.name, engine: name, status: 'fail', ms: Date.now() - started, note });
        console.log(`✗ ${name} / ${s.name} (${Date.now() - started} ms): ${String(err?.stack ?? err)}`);
      } finally {
        clearTimeout(timer);
        site.state.offline = false;
        await session?.close().catch(() => {});
      }
    }
    await e.stop().catch((err) => console.error(`${name}: could not stop: ${err}`));
  }
} finally {
  await site.close();
}

const cell = (r) => (r ? (r.status === 'pass' ? 'pass' : r.status === 'n/a' ? 'n/a' : 'FAIL') : '-');
console.log(`\n| scenario | ${engines.join(' | ')} |\n|---|${engines.map(() => '---|').join('')}`);
for (const s of chosen)
  console.log(
    `| ${s.name} | ${engines.map((n) => cell(results.find((r) => r.scenario === s.name && r.engine === n))).join(' | ')} |`,
  );
for (const r of results.filter((r) => r.status !== 'pass'))
  console.log(`- ${r.engine} / ${r.scenario}: ${r.status}: ${r.note}`);
const count = (st) => results.filter((r) => r.status === st).length;
const summary = {
  passed: count('pass'),
  failed: count('fail'),
  skipped: count('n/a'),
  seconds: (Date.now() - t0) / 1000,
  results,
};
mkdirSync(join(root, '.cache'), { recursive: true });
writeFileSync(join(root, '.cache/browsers-results.json'), JSON.stringify(summary, null, 2));
console.log(
  `\nbrowsers: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} n/a in ${summary.seconds.toFixed(1)} s`,
);
process.exit(summary.failed > 0 ? 1 : 0);
