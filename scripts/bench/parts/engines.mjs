// Navigation to the first `segments` event per engine (issue 17 point 5): Debian's Chromium
// (Playwright), Firefox ESR (puppeteer-core, WebDriver BiDi) and WebKitGTK's MiniBrowser
// (selenium-webdriver, under xvfb-run), in the same run, through the cross-browser suite's drivers
// (test/browsers/drivers.mjs). Each figure is the median of `--runs` (15) warm navigations of a host
// page embedding the built script tag, interleaved round by round with the same engine's
// empty-worker echo (a page whose worker echoes one message), so a busy spell on the machine
// weighs on both; then the same again after consent and a week of study (a repeat visit with stored
// consent, events and decision, issue 24), against its own interleaved echo. Needs `npm run build`.
// Run: npx tsx scripts/bench/parts/engines.mjs [--runs N] [chromium firefox webkit]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ENGINES, engine } from '../../../test/browsers/drivers.mjs';
import {
  freePort,
  markdownTable,
  median,
  ratio,
  root,
  sleep,
  startHostSite,
  startServerProcess,
} from '../lib.ts';

const args = parseArgs({ options: { runs: { type: 'string', default: '15' } }, allowPositionals: true });
const RUNS = Number(args.values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`engines bench: --runs must be a whole number of at least 1, not "${args.values.runs}"`);
  process.exit(1);
}
const engines = args.positionals.length ? args.positionals : ENGINES;

for (const f of ['edseg.js', 'edseg.worker.js', 'server.mjs'])
  if (!existsSync(join(root, 'dist', f))) {
    console.error(`engines bench: dist/${f} is missing; run npm run build first`);
    process.exit(1);
  }

// The reference server, and the host site (startHostSite: the bench pages, the SDK's files from dist/,
// /v1/ passed to the reference server), as in the main-thread part.
const serverPort = await freePort();
const upstream = `http://127.0.0.1:${serverPort}`;
const data = mkdtempSync(join(tmpdir(), 'edseg-bench-'));
let pages = {};
const host = await startHostSite(upstream, () => pages);
const base = host.base;

const sdkPage = (jwks) => `<!doctype html><html><head><meta charset="utf-8"><script>
window.edseg = { q: [], on(...a) { this.q.push(['on', a]) } };
window.edseg.on('segments', () => { window.__first ??= performance.now(); });</script>
<script src="/edseg/edseg.js" data-site="lingua-kids" data-manifest="/v1/sites/lingua-kids/manifest"
  data-collector="/v1/reports" data-key='${jwks}'></script></head><body>bench</body></html>`;
const ECHO_PAGE = `<!doctype html><html><head><meta charset="utf-8"><script>
window.__echo = new Worker('/bench/echo.worker.js');
window.__echo.onmessage = () => { window.__first ??= performance.now(); };
window.__echo.postMessage('hello');</script></head><body>echo</body></html>`;

// The floor under any release from IndexedDB: a page whose only script opens an existing database
// (made on its first load) and reads one key, as the page's early read does at least (issue 24).
const IDB_PAGE = `<!doctype html><html><head><meta charset="utf-8"><script>
const r = indexedDB.open('edseg-bench-floor', 1);
r.onupgradeneeded = () => r.result.createObjectStore('kv');
r.onsuccess = () => {
  const db = r.result;
  const get = db.transaction('kv').objectStore('kv').get('k');
  get.onsuccess = () => {
    if (get.result === undefined) db.transaction('kv', 'readwrite').objectStore('kv').put(1, 'k');
    window.__first ??= performance.now();
  };
};</script></head><body>idb</body></html>`;

/** `window.__first` once the page has it (performance.now() counts from the navigation's start). */
async function first(tab) {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const t = await tab.run(() => window.__first ?? null).catch(() => null);
    if (typeof t === 'number') return t;
    await sleep(20);
  }
  throw new Error('no first event within 60 s');
}

/** A consented adult who studied for a week (issue 24: a repeat visit has a stored decision to release). */
async function consentAndStudy(tab) {
  await tab.run(async () => {
    await window.edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } });
    for (let i = 0; i < 30; i++) window.edseg.track('lesson_complete', { lessonId: `l${i}`, minutes: 20 });
    await window.edseg.segments();
  });
}

/**
 * Medians of RUNS rounds, each a warm navigation to the echo page then to `path` (after one cold load
 * of each, and, with `prepare`, what it does on that load): the two figures of one run side by side.
 */
async function interleaved(tab, path, prepare) {
  await tab.goto(base + '/bench/echo.html');
  await first(tab);
  await tab.goto(base + path);
  await first(tab);
  if (prepare) await prepare(tab);
  const echo = [];
  const page = [];
  for (let i = 0; i < RUNS; i++) {
    await tab.goto(base + '/bench/echo.html');
    echo.push(await first(tab));
    await tab.goto(base + path);
    page.push(await first(tab));
  }
  return { echo: median(echo), page: median(page) };
}

let server;
const rows = [];
const failed = [];
try {
  server = await startServerProcess(
    [join(root, 'dist/server.mjs'), '--port', String(serverPort), '--data', data],
    {
      port: serverPort,
      env: { ...process.env, EDSEG_ADMIN_TOKEN: 'bench-token', EDSEG_ORIGINS: base },
      timeoutMs: 90_000,
    },
  );
  const jwks = JSON.stringify(await (await fetch(`${upstream}/v1/keys`)).json());
  pages = {
    '/bench/sdk.html': { type: 'text/html', body: sdkPage(jwks) },
    '/bench/echo.html': { type: 'text/html', body: ECHO_PAGE },
    '/bench/idb.html': { type: 'text/html', body: IDB_PAGE },
    '/bench/echo.worker.js': {
      type: 'text/javascript',
      body: 'self.onmessage = (e) => self.postMessage(e.data);',
    },
  };
  for (const name of engines) {
    const e = engine(name);
    let session;
    try {
      session = await e.session();
      const tab = await session.tab();
      const fresh = await interleaved(tab, '/bench/sdk.html');
      const repeat = await interleaved(tab, '/bench/sdk.html', consentAndStudy);
      const floor = await interleaved(tab, '/bench/idb.html');
      rows.push([
        name,
        `${fresh.page.toFixed(1)} ms`,
        `${fresh.echo.toFixed(1)} ms`,
        ratio(fresh.page, fresh.echo),
        `${repeat.page.toFixed(1)} ms`,
        `${repeat.echo.toFixed(1)} ms`,
        ratio(repeat.page, repeat.echo),
        `${floor.page.toFixed(1)} ms, ${ratio(floor.page, floor.echo)}`,
      ]);
    } catch (err) {
      failed.push(name);
      rows.push([
        name,
        `failed: ${String(err?.message ?? err).split('\n')[0]}`,
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
      ]);
    } finally {
      await session?.close().catch(() => {});
      await e.stop().catch(() => {});
    }
  }
} finally {
  host.close();
  await server?.stop();
  rmSync(data, { recursive: true, force: true });
}
console.log(
  `navigation to the first \`segments\` event per engine, the built script tag on a host page; medians of ${RUNS} warm navigations, each round the echo page then the SDK's, same run\n`,
);
console.log(
  markdownTable(
    [
      'engine',
      'navigation to the first `segments` event',
      'empty worker echo (same engine)',
      'ratio',
      'the same after consent and a week of study',
      'its interleaved echo',
      'ratio',
      'a page that reads one IndexedDB key (ratio to its echo)',
    ],
    rows,
  ),
);
process.exit(failed.length ? 1 : 0);
