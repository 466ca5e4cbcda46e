/**
 * Embedding the script tag wherever sites put it (issue 11 points 1 and 4, issue 13 point 5): loaded
 * from another origin (127.0.0.1 and localhost are two origins of the same server), under a strict
 * CSP with the documented same-origin worker copy, with a worker that cannot load, with a worker that
 * crashes or stops answering, and in debug mode.
 */
import { test, expect, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { testKey } from '../fixtures/manifest.js';
import { adultAllConsent, openDemo, studyHard } from './helpers.js';

const port = Number(process.env.EDSEG_E2E_PORT);
/** where the SDK is served from (the "CDN") */
const CDN = `http://127.0.0.1:${port}`;
/** the host page's origin, listed in the seeded manifest beside 127.0.0.1 */
const HOST = `http://localhost:${port}`;

/** The queue stub of packages/edseg/README.md "Script tag", plus hooks the tests read. */
const STUB = `window.__errors = []; window.__segs = [];
window.edseg = window.edseg || { q: [],
  track(...a) { this.q.push(['track', a]) }, declare(...a) { this.q.push(['declare', a]) },
  setConsent(...a) { return new Promise((res, rej) => this.q.push(['setConsent', a, res, rej])) },
  on(...a) { this.q.push(['on', a]) } };
window.edseg.on('segments', (s) => window.__segs.push(s));
window.edseg.on('error', (e) => window.__errors.push(e.code));
window.edseg.track('session_start');`;

type Host = { attrs?: string; csp?: (stubHash: string) => string; src?: string };

/** Serves a host page on HOST that embeds the script tag from CDN, and opens it. */
async function openHost(page: Page, host: Host = {}): Promise<{ console: string[]; errors: string[] }> {
  const jwks = JSON.stringify(await (await page.request.get(`${CDN}/v1/keys`)).json());
  const html = `<!doctype html><html><head><meta charset="utf-8"><script>${STUB}</script>
<script src="${host.src ?? `${CDN}/edseg/edseg.js`}" data-site="lingua-kids"
  data-manifest="${CDN}/v1/sites/lingua-kids/manifest" data-collector="${CDN}/v1/reports"
  data-key='${jwks}' ${host.attrs ?? ''}></script></head><body>host</body></html>`;
  const hash = `'sha256-${createHash('sha256').update(STUB).digest('base64')}'`;
  await page.route(`${HOST}/host/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      headers: host.csp ? { 'Content-Security-Policy': host.csp(hash) } : {},
      body: html,
    }),
  );
  const seen = { console: [] as string[], errors: [] as string[] };
  page.on('console', (m) => seen.console.push(`${m.type()} ${m.text()}`));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  // A page fulfilled by the test has no address of its own, so Chromium's Local Network Access takes it
  // for a public page reaching the loopback CDN; a real page and CDN need no such grant.
  await page.context().grantPermissions(['local-network-access']);
  await page.goto(`${HOST}/host/index.html`);
  return seen;
}

const STRICT = (hash: string) =>
  [
    "default-src 'self'",
    `script-src 'self' ${CDN} ${hash}`,
    "worker-src 'self'",
    `connect-src 'self' ${CDN}`,
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');

test('the script from another origin, with no extra attribute, starts its worker through a blob and releases segments', async ({
  page,
}) => {
  const seen = await openHost(page);
  await page.waitForFunction(() => typeof window.edseg.segments === 'function');
  await page.evaluate(() => window.edseg.ready);
  const out = await page.evaluate(async (c) => {
    await window.edseg.setConsent(c);
    const ex = await window.edseg.explain();
    return { origin: ex.origin, manifest: ex.manifest.status, blocked: ex.blocked ?? null };
  }, adultAllConsent);
  expect(out).toEqual({ origin: HOST, manifest: 'accepted', blocked: null });
  await page.evaluate((evs) => {
    for (const [t, p] of evs) window.edseg.track(t, p);
  }, studyHard);
  await expect
    .poll(() => page.evaluate(async () => (await window.edseg.segments()).length))
    .toBeGreaterThan(0);
  const stored = await page.evaluate(async () => (await window.edseg.exportData()).events.map((e) => e.type));
  expect(stored).toContain('session_start'); // the call queued on the stub before the script loaded
  expect(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors)).toEqual([]);
  expect(seen.errors).toEqual([]);
});

test('under a strict CSP, data-worker names the same-origin copy and nothing is violated', async ({
  page,
}) => {
  const seen = await openHost(page, { attrs: 'data-worker="/edseg/edseg.worker.js"', csp: STRICT });
  await page.waitForFunction(() => typeof window.edseg.segments === 'function');
  await page.evaluate(() => window.edseg.ready);
  const ex = await page.evaluate(async (c) => {
    await window.edseg.setConsent(c);
    return window.edseg.explain();
  }, adultAllConsent);
  expect(ex.manifest.status).toBe('accepted');
  expect(ex.blocked).toBeUndefined();
  expect(seen.console.filter((l) => /Content Security Policy|Refused to/i.test(l))).toEqual([]);
  expect(seen.errors).toEqual([]);
});

test('under a strict CSP without the copy: worker-unavailable, one warning saying what to do, and every call still works', async ({
  page,
}) => {
  const seen = await openHost(page, { csp: STRICT });
  await page.waitForFunction(() => typeof window.edseg.segments === 'function');
  const out = await page.evaluate(async () => {
    window.edseg.track('lesson_complete', { minutes: 4 });
    window.edseg.declare({ goal: 'exam' });
    await window.edseg.ready;
    return {
      segments: await window.edseg.segments(),
      blocked: (await window.edseg.explain()).blocked,
      errors: (window as unknown as { __errors: string[] }).__errors,
    };
  });
  expect(out).toEqual({ segments: [], blocked: 'worker-unavailable', errors: ['worker-unavailable'] });
  const warnings = seen.console.filter((l) => l.startsWith('warning [edseg]'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/worker-src blob:.*data-worker/);
  expect(seen.errors).toEqual([]);
});

test('a worker URL that cannot load: host calls through the stub and after never throw', async ({ page }) => {
  const seen = await openHost(page, { attrs: 'data-worker="/no/such.worker.js"' });
  await page.waitForFunction(() => typeof window.edseg.segments === 'function');
  const out = await page.evaluate(async () => {
    window.edseg.track('lesson_complete', { minutes: 4 });
    const queued = await window.edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await window.edseg.ready;
    const ex = await window.edseg.explain();
    return {
      queued: queued ?? null,
      segments: await window.edseg.segments(),
      blocked: ex.blocked,
      events: ex.stored.events,
      flush: await window.edseg.flush(),
      errors: (window as unknown as { __errors: string[] }).__errors,
    };
  });
  expect(out).toEqual({
    queued: null,
    segments: [],
    blocked: 'worker-unavailable',
    events: { session_start: 1, lesson_complete: 1 },
    flush: { sent: 0, pending: 0 },
    errors: ['worker-unavailable'],
  });
  expect(seen.console.filter((l) => l.startsWith('warning [edseg]'))).toHaveLength(1);
  expect(seen.errors).toEqual([]);
});

test('a script tag that does not load leaves the stub callable', async ({ page }) => {
  const seen = await openHost(page, { src: `${CDN}/edseg/missing.js` });
  const ok = await page.evaluate(() => {
    window.edseg.track('lesson_complete');
    window.edseg.declare({ goal: 'exam' });
    return (window.edseg as unknown as { q: unknown[] }).q.length;
  });
  expect(ok).toBeGreaterThan(2);
  expect(seen.errors).toEqual([]);
});

/**
 * A worker that loads the real one behind a listener registered first: on 'crash' it stops taking
 * messages and throws (the page sees an error event); on 'hang' it only stops taking messages.
 */
const FAULTY_WORKER = `let dead = false;
self.addEventListener('message', (e) => {
  if (dead) { e.stopImmediatePropagation(); return; }
  if (e.data === 'crash' || e.data === 'hang') {
    dead = true;
    e.stopImmediatePropagation();
    if (e.data === 'crash') setTimeout(() => { throw new Error('injected crash'); });
  }
});
importScripts('/edseg/edseg.worker.js');`;

/** Opens the demo with the faulty worker served and every Worker the page creates in `window.__workers`. */
async function demoWithFaultyWorkers(page: Page): Promise<void> {
  await page
    .context()
    .route('**/edseg/faulty.worker.js', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: FAULTY_WORKER }),
    );
  await page.addInitScript(() => {
    const W = window.Worker;
    const all: Worker[] = [];
    (window as unknown as { __workers: Worker[] }).__workers = all;
    window.Worker = class extends W {
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        all.push(this);
      }
    };
  });
  await openDemo(page);
}

test('a crashed worker is restarted: the pending call rejects, events tracked around the crash are kept once', async ({
  page,
}) => {
  await demoWithFaultyWorkers(page);
  const out = await page.evaluate(async (c) => {
    const workers = (window as unknown as { __workers: Worker[] }).__workers;
    const seg = window.__newSegmenter({ workerUrl: '/edseg/faulty.worker.js' });
    await seg.setConsent(c);
    seg.track('practice_session', { minutes: 1 });
    await seg.segments();
    const before = workers.length;
    workers.at(-1)!.postMessage('crash');
    seg.track('practice_session', { minutes: 2 }); // never acknowledged by the crashed worker
    const pending = await seg.segments().then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    seg.track('practice_session', { minutes: 3 });
    await seg.segments();
    const minutes = (await seg.exportData()).events
      .filter((e) => e.type === 'practice_session')
      .map((e) => e.props.minutes);
    await seg.close();
    return { pending, restarted: workers.length - before, minutes };
  }, adultAllConsent);
  expect(out.pending).toBe('worker-crashed');
  expect(out.restarted).toBe(1);
  // the demo's own segmenter shares the site's database: count only this one's minutes
  expect(out.minutes.filter((m) => m === 1 || m === 2 || m === 3).sort()).toEqual([1, 2, 3]);
});

test('a worker that stops answering is restarted; three crashes in a minute stop it with an error event', async ({
  page,
}) => {
  await demoWithFaultyWorkers(page);
  const out = await page.evaluate(async (c) => {
    const workers = (window as unknown as { __workers: Worker[] }).__workers;
    const seg = window.__newSegmenter({ workerUrl: '/edseg/faulty.worker.js', timeoutMs: 1500 });
    const errors: string[] = [];
    seg.on('error', (e) => errors.push(e.code));
    await seg.ready;
    await seg.setConsent(c);
    const start = workers.length;
    workers.at(-1)!.postMessage('hang');
    const hung = await seg.segments().then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    // the liveness probe goes unanswered too: the worker is restarted
    for (let i = 0; i < 50 && workers.length === start; i++) await new Promise((r) => setTimeout(r, 100));
    const afterHang = (await seg.segments()).length >= 0 ? workers.length - start : -1;
    for (let i = 0; i < 2; i++) {
      workers.at(-1)!.postMessage('crash');
      await new Promise((r) => setTimeout(r, 500));
    }
    const segments = await seg.segments();
    seg.track('lesson_complete'); // still callable
    return { hung, afterHang, errors, segments, blocked: (await seg.explain()).blocked };
  }, adultAllConsent);
  expect(out).toEqual({
    hung: 'worker-timeout',
    afterHang: 1,
    errors: ['worker-crashed'],
    segments: [],
    blocked: 'worker-crashed',
  });
});

test('debug: true prints [edseg] lines for a refused manifest, blocked models and reports; off prints none', async ({
  page,
}) => {
  await openDemo(page);
  const lines: string[] = [];
  page.on('console', (m) => {
    if (m.text().startsWith('[edseg]')) lines.push(m.text());
  });
  const other = (await testKey('not-the-signer')).publicJwk;
  await page.evaluate(async (k) => {
    const quiet = window.__newSegmenter({});
    await quiet.ready;
    await quiet.segments();
    await quiet.close();
    const refused = window.__newSegmenter({ debug: true, publicKeys: [k] });
    await refused.ready;
    await refused.close();
  }, other);
  // The debug line, then the one warning (issue 20: debug or not, the warning names the fix).
  expect(lines).toEqual([
    expect.stringMatching(/^\[edseg\] manifest refused \(/),
    expect.stringMatching(
      /^\[edseg\] nothing is released: .*\(unknown-key\).*This page pins "not-the-signer"/,
    ),
  ]);
  lines.length = 0;
  await page.evaluate(
    async ([evs, all]) => {
      const seg = window.__newSegmenter({ debug: true });
      await seg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
      for (const [t, p] of evs) seg.track(t, p);
      await seg.segments();
      await seg.setConsent(all);
      await seg.flush();
      await seg.close();
    },
    [studyHard, adultAllConsent] as const,
  );
  expect(
    lines.some((l) => /^\[edseg\] model \S+ not assigned: consent does not allow its purpose/.test(l)),
  ).toBe(true);
  expect(lines.some((l) => /^\[edseg\] report (queued|sent)/.test(l))).toBe(true);
});
