// The main-thread SDK in Debian's headless Chromium against the built reference server (issue 13's
// table): a host page embedding the built script tag, medians of 7 warm reloads or runs, each figure
// beside a baseline from the same run:
//   - main-thread script, gzip                      against the 8 KB budget
//   - navigation to the first `segments` event      against a page whose empty worker echoes once
//   - track(), main-thread cost per call            against a plain postMessage of the same event
//   - 1,000 track() calls until segments() answers  against an empty worker echoing the 1,000 events
//   - long tasks over 50 ms (load and 1,000 track)  against 0
// Needs `npm run build` first. Run: npx tsx scripts/bench/parts/main-thread.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import {
  CHROMIUM,
  freePort,
  markdownTable,
  median,
  ratio,
  root,
  startHostSite,
  startServerProcess,
} from '../lib.ts';

const RUNS = 7;
const N = 1000;
const BUDGET = 8_000;

for (const f of ['edseg.js', 'edseg.mjs', 'edseg.worker.js', 'server.mjs'])
  if (!existsSync(join(root, 'dist', f))) {
    console.error(`main-thread bench: dist/${f} is missing; run npm run build first`);
    process.exit(1);
  }

// The reference server, and the host site (startHostSite in ../lib.ts: the bench pages and the SDK's
// files over the network, as a real site's are, and /v1/ passed to the reference server).
const serverPort = await freePort();
const upstream = `http://127.0.0.1:${serverPort}`;
const data = mkdtempSync(join(tmpdir(), 'edseg-bench-'));
let server;
let pages = {};
const host = await startHostSite(upstream, () => pages);
const base = host.base;
const cleanup = () => {
  host.close();
  server?.child.kill();
  rmSync(data, { recursive: true, force: true });
};

const LONG_TASKS = `window.__long = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.duration > 50) window.__long++; })
  .observe({ type: 'longtask', buffered: true });`;

function sdkPage(jwks) {
  return `<!doctype html><html><head><meta charset="utf-8"><script>${LONG_TASKS}
window.edseg = { q: [], on(...a) { this.q.push(['on', a]) } };
window.edseg.on('segments', () => { window.__first ??= performance.now(); });</script>
<script src="/edseg/edseg.js" data-site="lingua-kids" data-manifest="/v1/sites/lingua-kids/manifest"
  data-collector="/v1/reports" data-key='${jwks}'></script></head><body>bench</body></html>`;
}
const ECHO_PAGE = `<!doctype html><html><head><meta charset="utf-8"><script>
window.__echo = new Worker('/bench/echo.worker.js');
window.__echo.onmessage = () => { window.__first ??= performance.now(); };
window.__echo.postMessage('hello');</script></head><body>echo</body></html>`;
const ECHO_WORKER = 'self.onmessage = (e) => self.postMessage(e.data);';

let browser;
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
    '/bench/echo.worker.js': { type: 'text/javascript', body: ECHO_WORKER },
  };
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();

  /** Navigation start to `window.__first`, over RUNS warm reloads after one cold load. */
  async function firstEvent(path) {
    await page.goto(path);
    await page.waitForFunction(() => window.__first !== undefined);
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await page.reload();
      await page.waitForFunction(() => window.__first !== undefined);
      times.push(await page.evaluate(() => window.__first));
    }
    return median(times);
  }
  const navEcho = await firstEvent('/bench/echo.html');
  const navSdk = await firstEvent('/bench/sdk.html');

  // The SDK page, warm, with consent to store: the events are minimised, stored and assigned.
  await page.evaluate(() => window.edseg.ready);
  await page.evaluate(() =>
    window.edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } }),
  );
  const sdk = await page.evaluate(
    async ({ RUNS, N }) => {
      const perCall = [];
      const untilAnswer = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        for (let i = 0; i < N; i++)
          window.edseg.track('practice_session', { minutes: 1 + (i % 5), items: 3 });
        const t1 = performance.now();
        await window.edseg.segments();
        const t2 = performance.now();
        perCall.push(((t1 - t0) / N) * 1000);
        untilAnswer.push(t2 - t0);
        await new Promise((res) => setTimeout(res, 50));
      }
      return { perCall, untilAnswer, long: window.__long };
    },
    { RUNS, N },
  );
  await page.goto('/bench/echo.html');
  await page.waitForFunction(() => window.__first !== undefined);
  const echo = await page.evaluate(
    async ({ RUNS, N }) => {
      const w = window.__echo;
      const once = (data) =>
        new Promise((res) => {
          w.onmessage = () => res(undefined);
          w.postMessage(data);
        });
      const perCall = [];
      const untilAnswer = [];
      for (let r = 0; r < RUNS; r++) {
        w.onmessage = null;
        const t0 = performance.now();
        for (let i = 0; i < N; i++)
          w.postMessage({
            type: 'practice_session',
            props: { minutes: 1 + (i % 5), items: 3 },
            ts: Date.now(),
          });
        perCall.push(((performance.now() - t0) / N) * 1000);
        await new Promise((res) => setTimeout(res, 50));
        const events = Array.from({ length: N }, (_, i) => ({
          type: 'practice_session',
          props: { minutes: 1 + (i % 5), items: 3 },
          ts: Date.now(),
        }));
        const t1 = performance.now();
        await once(events);
        untilAnswer.push(performance.now() - t1);
      }
      return { perCall, untilAnswer };
    },
    { RUNS, N },
  );

  const gz = (f) => gzipSync(readFileSync(join(root, 'dist', f)), { level: 9 }).length;
  const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
  const ms = (x) => `${x.toFixed(1)} ms`;
  const us = (x) => `${x.toFixed(2)} µs`;
  const [trackSdk, trackEcho] = [median(sdk.perCall), median(echo.perCall)];
  const [answerSdk, answerEcho] = [median(sdk.untilAnswer), median(echo.untilAnswer)];
  console.log(
    `headless Chromium, the built script tag on a host page; medians of ${RUNS} (warm reloads for navigation); ${N} track() calls per run\n`,
  );
  console.log(
    markdownTable(
      ['figure', 'median', 'baseline (same run)', 'ratio', 'goal'],
      [
        [
          'main-thread script edseg.js, gzip',
          kb(gz('edseg.js')),
          `${kb(BUDGET)} budget`,
          ratio(gz('edseg.js'), BUDGET),
          'at most 8 KB',
        ],
        [
          'main-thread script edseg.mjs, gzip',
          kb(gz('edseg.mjs')),
          `${kb(BUDGET)} budget`,
          ratio(gz('edseg.mjs'), BUDGET),
          'at most 8 KB',
        ],
        [
          'navigation to the first `segments` event, warm',
          ms(navSdk),
          `${ms(navEcho)} empty worker echo`,
          ratio(navSdk, navEcho),
          'at most 150 ms',
        ],
        [
          'track(), main-thread cost per call',
          us(trackSdk),
          `${us(trackEcho)} plain postMessage`,
          ratio(trackSdk, trackEcho),
          'at most 5 µs and 0.5x',
        ],
        [
          `${N} track() calls until segments() answers`,
          ms(answerSdk),
          `${ms(answerEcho)} empty worker echo`,
          ratio(answerSdk, answerEcho),
          'at most 50 ms',
        ],
        ['long tasks over 50 ms (load and the track() runs)', String(sdk.long), '0', '-', '0'],
      ],
    ),
  );
} finally {
  await browser?.close();
  cleanup();
}
