import {
  expect,
  type APIRequestContext,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';
import type * as Edseg from '../../src/client/index.js';
import type { ConsentInput, ReleasedSegment, Segmenter } from '../../src/client/index.js';
import { ReportBatch } from '../../src/core/schema.js';

export type Seen = { url: string; method: string; body: string | null };

/** Intercepts every request the context makes (pages and their dedicated workers), records it and lets it through. */
export async function watchNetwork(context: BrowserContext): Promise<Seen[]> {
  const seen: Seen[] = [];
  await context.route('**/*', async (route) => {
    const r = route.request();
    seen.push({ url: r.url(), method: r.method(), body: r.postData() });
    await route.continue();
  });
  return seen;
}

/** The canary: the manifest is fetched by the worker, so seeing it proves worker requests are intercepted. */
export function expectWorkerRequestsSeen(seen: Seen[]): void {
  expect(
    seen.some((s) => /\/v1\/sites\/[^/]+\/manifest$/.test(new URL(s.url).pathname)),
    "the worker's manifest request was not intercepted",
  ).toBe(true);
}

/** The collector requests among those seen, each body parsed strictly as a ReportBatch. */
export function collectorBatches(seen: Seen[]): ReportBatch[] {
  return seen
    .filter((s) => new URL(s.url).pathname === '/v1/reports' && s.method === 'POST')
    .map((s) => {
      const parsed = ReportBatch.safeParse(JSON.parse(s.body ?? 'null'));
      expect(parsed.success, `a collector request that is not a strict ReportBatch: ${s.body}`).toBe(true);
      return parsed.data!;
    });
}

/** Every report the collector requests among those seen carried, in order (each batch checked as above). */
export function collectorReports(seen: Seen[]): ReportBatch['reports'] {
  return collectorBatches(seen).flatMap((b) => b.reports);
}

/**
 * Asserts that no request carries anything PRIVACY.md does not list: only the SDK's own files,
 * the manifest, and strict ReportBatch posts to the collector; and that no raw event type,
 * event prop name or value, or declared preference appears in any URL or body.
 */
export function expectNoLeak(seen: Seen[], secrets: string[]): void {
  const allowedGet = [
    /^\/demo\//,
    /^\/edseg\//,
    /^\/v1\/sites\/[^/]+\/manifest$/,
    /^\/favicon\.ico$/,
    /^\/$/,
  ];
  for (const s of seen) {
    const u = new URL(s.url);
    if (s.method === 'GET') {
      expect(
        allowedGet.some((re) => re.test(u.pathname)),
        `unexpected GET ${s.url}`,
      ).toBe(true);
      expect(u.search, `a query string on ${s.url}`).toBe('');
    } else {
      expect(`${s.method} ${u.pathname}`, `unexpected request ${s.method} ${s.url}`).toBe('POST /v1/reports');
    }
    for (const secret of secrets) {
      expect(s.url.includes(secret), `"${secret}" in ${s.url}`).toBe(false);
      expect((s.body ?? '').includes(secret), `"${secret}" in the body of ${s.url}`).toBe(false);
    }
  }
  collectorBatches(seen);
}

declare global {
  interface Window {
    /** The script tag's global: the public Segmenter, plus what 'edseg' exports beside it. */
    edseg: Segmenter & Pick<typeof Edseg, 'createSegmenter' | 'EdsegError' | 'version'>;
    __segmentsEvents?: ReleasedSegment[][];
    /** A second segmenter for the demo site (the page's pinned key and URLs), with options overridden. */
    __newSegmenter(over: Record<string, unknown>): Segmenter;
  }
}

/** Opens the demo and waits until the SDK's worker has loaded (or refused) the manifest. */
export async function openDemo(page: Page, path = '/demo/'): Promise<void> {
  await page.goto(path);
  await demoStarted(page);
}

/** Waits until the demo's start-up, first-visit prompt included, is over (app.js sets data-demo-ready). */
export async function demoReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.demoReady === 'true');
}

/** Opens the demo as a first visit: its consent dialog is open and start-up is over. Returns the dialog. */
export async function openFirstVisit(page: Page): Promise<Locator> {
  await page.goto('/demo/');
  const dialog = page.locator('#consent-dialog');
  await expect(dialog).toBeVisible();
  await demoReady(page);
  return dialog;
}

/** Waits for the demo page already loaded (or reloaded) in `page` to start, and readies the test hooks. */
export async function demoStarted(page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean(window.edseg && (window.edseg as { ready?: unknown }).ready));
  await page.evaluate(async () => {
    await window.edseg.ready;
    window.__segmentsEvents = [];
    window.edseg.on('segments', (s) => window.__segmentsEvents!.push(s));
    const key = JSON.parse(document.querySelector('script[data-key]')!.getAttribute('data-key')!);
    const { createSegmenter } = window.edseg;
    window.__newSegmenter = (over) =>
      createSegmenter({
        site: 'lingua-kids',
        manifestUrl: '/v1/sites/lingua-kids/manifest',
        collectorUrl: '/v1/reports',
        publicKeys: [key],
        workerUrl: '/edseg/edseg.worker.js',
        ...over,
      });
  });
  // The demo opens its consent dialog on a first visit, at the end of its start-up; tests drive
  // consent through the API, so wait for start-up to be over and then close the dialog.
  await demoReady(page);
  await page.evaluate(() =>
    document.querySelectorAll('dialog[open]').forEach((d) => (d as HTMLDialogElement).close()),
  );
}

export const adultAllConsent: ConsentInput = {
  ageBand: 'adult',
  self: { purposes: ['instruction', 'analytics'] },
};

/** The arguments of one `track` call. */
export type TrackArgs = Parameters<Segmenter['track']>;

/** Fires the given events through the public API, then waits for the worker to take them. */
export async function track(page: Page, events: TrackArgs[]): Promise<void> {
  await page.evaluate(async (evs) => {
    for (const [type, props] of evs) window.edseg.track(type, props);
    await window.edseg.segments();
  }, events);
}

export const studyHard: TrackArgs[] = [
  ['session_start'],
  ...Array.from(
    { length: 12 },
    (_, i) => ['lesson_complete', { lessonId: `l${i}`, minutes: 12 }] as TrackArgs,
  ),
  ...Array.from({ length: 6 }, () => ['practice_session', { minutes: 25, items: 40 }] as TrackArgs),
  ...Array.from(
    { length: 20 },
    (_, i) => ['quiz_answer', { correct: i % 10 !== 0, seconds: 6 }] as TrackArgs,
  ),
];

export const segmentOf = (released: ReleasedSegment[], model: string) =>
  released.find((s) => s.model === model)?.id;

/** The e2e server's admin token (scripts/e2e-server.mjs), as the admin API's header. */
export const adminAuth = { Authorization: `Bearer ${process.env.EDSEG_ADMIN_TOKEN ?? 'e2e-admin-token'}` };

export type SitePolicy = { allowed: string[]; clear: string[] };

/** The demo site's policy as published: the payload of its current JWS. */
export async function publishedPolicy(request: APIRequestContext): Promise<SitePolicy> {
  const payload = (await (await request.get('/v1/sites/lingua-kids/manifest')).text()).split('.')[1]!;
  return JSON.parse(Buffer.from(payload, 'base64url').toString()).policy as SitePolicy;
}

/**
 * `policy` without `segment`; a model is in clear whole or not at all (the shape rule), so withholding
 * one of its segments (`modelSegments`) takes the model out of clear.
 */
export const withholding = (policy: SitePolicy, segment: string, modelSegments: string[]): SitePolicy => ({
  allowed: policy.allowed.filter((id) => id !== segment),
  clear: policy.clear.filter((id) => !modelSegments.includes(id)),
});

/** Sets the demo site's policy through the admin API and publishes it; the new version. */
export async function publishPolicy(
  request: APIRequestContext,
  policy: SitePolicy,
  note: string,
): Promise<number> {
  const put = await request.put('/admin/api/sites/lingua-kids/policy', { headers: adminAuth, data: policy });
  expect(put.status()).toBe(200);
  const pub = await request.post('/admin/api/sites/lingua-kids/publish', {
    headers: adminAuth,
    data: { note },
  });
  expect(pub.status()).toBe(201);
  return ((await pub.json()) as { version: number }).version;
}
