/**
 * edseg/activate in Chromium against the real npm packages of Segment's analytics-next, posthog-js,
 * RudderStack's analytics-js and Amplitude's browser SDK, bundled into one test page with the built
 * dist/edseg.mjs and dist/activate.mjs, and a GTM-style dataLayer. The tools' network is answered
 * locally by route interception and recorded: what each tool received, that withdrawal reaches
 * every one, and that nothing else of edseg's did. The script tag's data-activate too.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { build } from 'vite';
import { expectNoLeak, openFirstVisit, studyHard, type TrackArgs } from './helpers.js';
import type { Segmenter } from '../../src/core/protocol.js';
import type { ConsentInput, ReleasedSegment } from '../../src/core/schema.js';

const root = join(import.meta.dirname, '..', '..');
const outDir = join(root, '.cache', 'e2e-activate');

declare global {
  interface Window {
    __startActivation(key: unknown): Promise<void>;
    __act: { seg: Segmenter; stop: () => void; pushed: unknown[] };
  }
}

type Sent = { host: string; path: string; method: string; body: string };

test.beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: join(root, 'test/e2e/activate/page.mjs'),
        formats: ['iife'],
        name: 'activatePage',
        fileName: () => 'page.js',
      },
    },
  });
});

/** The tools' hosts, as the test page configures them (analytics-next's are its defaults). */
const TOOL = {
  segment: 'api.segment.io',
  posthog: 'ph.e2e.example',
  rudderstack: 'rs.e2e.example',
  amplitude: 'amp.e2e.example',
} as const;
type Tool = keyof typeof TOOL;

/** What each tool's server answers, as the real one would (Amplitude retries anything but its 200 body). */
function answer(host: string): string {
  if (host === 'rs-config.e2e.example')
    return JSON.stringify({
      source: {
        id: 'src-e2e',
        name: 'e2e',
        workspaceId: 'ws-e2e',
        enabled: true,
        config: {},
        destinations: [],
      },
    });
  if (host === TOOL.amplitude)
    return JSON.stringify({ code: 200, events_ingested: 1, payload_size_bytes: 1, server_upload_time: 1 });
  if (host === TOOL.posthog) return JSON.stringify({ status: 1 });
  return '{}';
}

/** Serves the test pages on the e2e server's origin; answers and records every other host's request. */
async function serve(context: BrowserContext, html?: string): Promise<{ tools: Sent[]; edseg: Sent[] }> {
  const tools: Sent[] = [];
  const edseg: Sent[] = [];
  const bundle = readFileSync(join(outDir, 'page.js'), 'utf8');
  const page = '<!doctype html><meta charset="utf-8"><title>activate</title><script src="page.js"></script>';
  await context.route('**/*', async (route) => {
    const r = route.request();
    const u = new URL(r.url());
    const sent = { host: u.host, path: u.pathname + u.search, method: r.method(), body: r.postData() ?? '' };
    if (u.hostname === '127.0.0.1') {
      if (u.pathname === '/activate-test/')
        return route.fulfill({ contentType: 'text/html', body: html ?? page });
      if (u.pathname === '/activate-test/page.js')
        return route.fulfill({ contentType: 'text/javascript', body: bundle });
      edseg.push(sent);
      return route.continue();
    }
    tools.push(sent);
    return route.fulfill({ status: 200, contentType: 'application/json', body: answer(u.hostname) });
  });
  return { tools, edseg };
}

/**
 * The last value of `edseg_segments` a tool's requests carried, in the order sent: the ids, or null
 * where it was unset (Amplitude's `$unset`); undefined if it never carried one.
 */
function lastSent(tools: Sent[], tool: Tool): string[] | null | undefined {
  let last: string[] | null | undefined;
  const walk = (v: unknown, unset: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, unset));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'edseg_segments') last = unset ? null : (x as string[]);
      else walk(x, unset || k === '$unset');
    }
  };
  for (const t of tools.filter((t) => t.host === TOOL[tool] && t.body !== '')) {
    const body = JSON.parse(t.body);
    // RudderStack sends the user's traits as its SDK stores them: a trait set to null is left out.
    if (tool === 'rudderstack' && body.type === 'identify') last = body.context.traits.edseg_segments ?? null;
    else walk(body, false);
  }
  return last;
}

const setConsent = (page: Page, c: ConsentInput) => page.evaluate((c) => window.__act.seg.setConsent(c), c);
const released = (page: Page) => page.evaluate(() => window.__act.seg.segments());
const ids = (r: ReleasedSegment[], purpose: string) =>
  r.filter((s) => s.purpose === purpose).map((s) => s.id);
/** The dataLayer's last edseg push, as the GTM-style wrapper recorded it. */
const lastPush = (page: Page) =>
  page.evaluate(() => {
    const mine = window.__act.pushed.filter((p) => (p as { event?: string }).event === 'edseg.segments');
    return (mine.at(-1) as { edseg: { segments: string[] } } | undefined)?.edseg;
  });

/** Waits until every destination's last hand-over is `want` (null: the trait unset, Amplitude's and RudderStack's way). */
async function expectEverywhere(
  page: Page,
  tools: Sent[],
  want: {
    dataLayer: string[];
    segment: string[];
    posthog: string[];
    rudderstack: string[] | null;
    amplitude: string[] | null;
  },
): Promise<void> {
  await expect.poll(() => lastPush(page)).toEqual({ segments: want.dataLayer });
  for (const tool of Object.keys(TOOL) as Tool[])
    await expect.poll(() => lastSent(tools, tool), `what ${tool} received last`).toEqual(want[tool]);
}

test('each tool receives the released segments of its purposes, withdrawal reaches every one, nothing else', async ({
  page,
  context,
  request,
}) => {
  const { tools, edseg } = await serve(context);
  const key = ((await (await request.get('/v1/keys')).json()) as { keys: unknown[] }).keys[0];
  await page.goto('/activate-test/');
  await page.evaluate((k) => window.__startActivation(k), key);
  await setConsent(page, { ageBand: 'adult', self: { purposes: ['instruction', 'analytics', 'marketing'] } });
  await page.evaluate(async (evs: TrackArgs[]) => {
    for (const [t, p] of evs) window.__act.seg.track(t, p);
    await window.__act.seg.segments();
  }, studyHard);
  const now = await released(page);
  const instruction = ids(now, 'instruction');
  const marketing = ids(now, 'marketing');
  expect(instruction.length).toBeGreaterThan(0);
  expect(marketing.length).toBeGreaterThan(0);
  const explained = await page.evaluate(() => window.__act.seg.explain());
  const withheld = explained.segments.filter((s) => s.assigned && !s.released).map((s) => s.id);

  // Each tool, only the purposes it is declared for (segment: instruction and marketing, with names).
  await expectEverywhere(page, tools, {
    dataLayer: instruction,
    segment: [...instruction, ...marketing],
    posthog: marketing,
    rudderstack: instruction,
    amplitude: instruction,
  });
  const segmentIdentify = JSON.parse(tools.filter((t) => t.host === TOOL.segment).at(-1)!.body);
  expect(segmentIdentify.traits).toEqual({
    edseg_segments: [...instruction, ...marketing],
    edseg_segments_names: now.filter((s) => s.purpose !== 'analytics').map((s) => s.name),
  });

  // Consent withdrawn for instruction and marketing: every tool receives the change.
  await setConsent(page, { ageBand: 'adult', self: { purposes: ['analytics'] } });
  expect(await released(page)).toEqual([]);
  await expectEverywhere(page, tools, {
    dataLayer: [],
    segment: [],
    posthog: [],
    rudderstack: null,
    amplitude: null,
  });

  // Under 13, instruction released on parental consent, but no consent to disclosure to third parties: nothing flows.
  const parental = { verified: true, purposes: ['instruction' as const] };
  await setConsent(page, { ageBand: 'under13', parental });
  expect(ids(await released(page), 'instruction')).toEqual(instruction);
  const before = tools.length;
  await page.waitForTimeout(500);
  await expectEverywhere(page, tools, {
    dataLayer: [],
    segment: [],
    posthog: [],
    rudderstack: null,
    amplitude: null,
  });
  expect(tools.slice(before).filter((t) => t.body.includes('edseg_segments'))).toEqual([]);
  // The parent consents to disclosure for instruction: it flows to the tools declared for it.
  await setConsent(page, { ageBand: 'under13', parental: { ...parental, thirdParty: ['instruction'] } });
  await expectEverywhere(page, tools, {
    dataLayer: instruction,
    segment: instruction,
    posthog: [],
    rudderstack: instruction,
    amplitude: instruction,
  });

  // forget(): everything withdrawn.
  await page.evaluate(() => window.__act.seg.forget());
  await expectEverywhere(page, tools, {
    dataLayer: [],
    segment: [],
    posthog: [],
    rudderstack: null,
    amplitude: null,
  });

  // Nothing else of edseg's reached a tool: no event, no feature, no consent, no model, no version,
  // no withheld segment, no segment of a purpose the tool was not declared for.
  const secrets = [
    ...new Set(studyHard.map(([type]) => type)),
    'lessonId',
    ...withheld,
    ...now.map((s) => `"${s.model}"`),
    'manifestVersion',
    'lingua-kids',
    'ageBand',
    'under13',
    'parental',
    'thirdParty',
    'instruction',
    'marketing',
    'explain',
  ];
  for (const t of tools)
    for (const secret of secrets) expect(`${t.path} ${t.body}`, `${t.host}${t.path}`).not.toContain(secret);
  for (const id of marketing)
    for (const tool of ['rudderstack', 'amplitude'] as Tool[])
      expect(
        tools
          .filter((t) => t.host === TOOL[tool])
          .map((t) => t.body)
          .join(),
      ).not.toContain(id);
  for (const id of instruction)
    expect(
      tools
        .filter((t) => t.host === TOOL.posthog)
        .map((t) => t.body)
        .join(),
    ).not.toContain(id);
  // And edseg's own requests are still only those PRIVACY.md lists.
  expectNoLeak(
    edseg.map((s) => ({ url: `http://${s.host}${s.path}`, method: s.method, body: s.body || null })),
    [...new Set(studyHard.map(([type]) => type))],
  );
});

/** A page with the script tag, data-activate and the given purposes attribute, and a GTM-style dataLayer. */
function tagPage(key: unknown, purposes: string | null): string {
  const attr = purposes === null ? '' : ` data-activate-purposes="${purposes}"`;
  return `<!doctype html><meta charset="utf-8"><title>tag</title>
<script>
  window.dataLayer = window.dataLayer || [];
  window.__pushed = [];
  const push = dataLayer.push.bind(dataLayer);
  dataLayer.push = (...a) => { __pushed.push(...JSON.parse(JSON.stringify(a))); return push(...a); };
</script>
<script src="/edseg/edseg.js" data-site="lingua-kids" data-manifest="/v1/sites/lingua-kids/manifest"
  data-collector="/v1/reports" data-key='${JSON.stringify(key)}' data-activate="dataLayer"${attr}></script>`;
}

const edsegPushes = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __pushed: { event?: string; edseg?: unknown }[] }).__pushed
      .filter((p) => p.event === 'edseg.segments')
      .map((p) => p.edseg),
  );

test('script tag: data-activate="dataLayer" with data-activate-purposes, and without them one warning', async ({
  page,
  context,
  request,
}) => {
  const key = ((await (await request.get('/v1/keys')).json()) as { keys: unknown[] }).keys[0];
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  const consent: ConsentInput = { ageBand: 'adult', self: { purposes: ['instruction', 'marketing'] } };
  const run = async () => {
    await page.goto('/activate-test/');
    await page.evaluate(
      async ({ consent, evs }) => {
        await window.edseg.ready;
        await window.edseg.setConsent(consent);
        for (const [t, p] of evs) window.edseg.track(t, p);
        await window.edseg.segments();
      },
      { consent, evs: studyHard },
    );
    return page.evaluate(() => window.edseg.segments());
  };

  await context.route('**/activate-test/', (route) =>
    route.fulfill({ contentType: 'text/html', body: tagPage(key, 'instruction') }),
  );
  const instruction = ids(await run(), 'instruction');
  expect(instruction.length).toBeGreaterThan(0);
  await expect.poll(async () => (await edsegPushes(page)).at(-1)).toEqual({ segments: instruction });
  expect(warnings.filter((w) => w.includes('[edseg]'))).toEqual([]);

  await context.unrouteAll();
  await context.route('**/activate-test/', (route) =>
    route.fulfill({ contentType: 'text/html', body: tagPage(key, null) }),
  );
  expect(ids(await run(), 'instruction')).toEqual(instruction);
  await page.waitForTimeout(500);
  expect(await edsegPushes(page)).toEqual([]);
  const mine = warnings.filter((w) => w.includes('data-activate'));
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatch(/data-activate-purposes is required.*nothing is activated/);
});

test("the demo's consent dialog asks the parent, separately, about sharing with the site's other tools", async ({
  page,
}) => {
  const dialog = await openFirstVisit(page);
  await page.getByTestId('consent-age').selectOption('under13');
  await page.getByTestId('consent-parental-verified').check();
  await page.getByTestId('consent-parental-instruction').check();
  await page.getByTestId('consent-parental-analytics').check();
  await page.getByTestId('consent-thirdparty-instruction').check();
  await page.getByTestId('consent-save').click();
  await expect(dialog).toBeHidden();
  const parental = (await page.evaluate(() => window.edseg.explain())).consent?.parental;
  expect(parental).toMatchObject({
    verified: true,
    purposes: ['instruction', 'analytics'],
    thirdParty: ['instruction'],
  });
  // Opened again, the dialog shows the record as stored.
  await page.getByTestId('consent-open').click();
  await expect(page.getByTestId('consent-thirdparty-instruction')).toBeChecked();
  await expect(page.getByTestId('consent-thirdparty-analytics')).not.toBeChecked();
});
