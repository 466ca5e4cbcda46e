// The cross-browser scenarios (issue 17 points 3 and 4): the same code in every engine, through the
// driver abstraction (drivers.mjs) and against the proxied site (site.mjs). Each scenario gets a
// fresh session (nothing stored carries over) and throws on the first failed assertion.
import assert from 'node:assert/strict';
import { adultAllConsent, studyHard } from '../e2e/helpers.ts';
import { ReportBatch } from '../../src/core/schema.ts';
import { earlySegments, staleEarly } from './early.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` in the tab, failing after `ms` (a call that never answers is a hang, not a pass). */
async function call(tab, fn, arg, ms = 20_000, what = 'a page call') {
  let timer;
  try {
    return await Promise.race([
      tab.run(fn, arg),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `fn` in the tab (through navigations, which make a call throw) until it returns truthy. */
async function waitFor(tab, fn, arg, ms, what) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const v = await call(tab, fn, arg, Math.max(1_000, Math.min(5_000, until - Date.now())), what);
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(
    `${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
  );
}

/** Waits until the script tag has replaced the stub and the SDK is ready. */
async function started(tab, what = 'the SDK start') {
  await waitFor(
    tab,
    () => Boolean(window.edseg && window.edseg.ready),
    null,
    15_000,
    `${what}: the script tag`,
  );
  await call(tab, () => window.edseg.ready.then(() => true), null, 35_000, `${what}: edseg.ready`);
}

async function open(tab, url) {
  await tab.goto(url);
  await started(tab, url);
}

/** Consent to everything an adult can give, a week of study tracked; the released segment ids once there are some. */
async function consentAndStudy(tab, consent = adultAllConsent) {
  await call(
    tab,
    async ({ consent, events }) => {
      await window.edseg.setConsent(consent);
      for (const [type, props] of events) window.edseg.track(type, props);
      await window.edseg.segments();
    },
    { consent, events: studyHard },
    30_000,
    'setConsent and track',
  );
  return waitFor(
    tab,
    async () => {
      const s = await window.edseg.segments();
      return s.length > 0 && s.map((x) => x.id).sort();
    },
    null,
    15_000,
    'released segments',
  );
}

const explain = (tab) => call(tab, () => window.edseg.explain(), null, 20_000, 'explain()');
const exported = (tab) => call(tab, () => window.edseg.exportData(), null, 20_000, 'exportData()');
/** The page's own console lines that are warnings or errors (the SDK warns with console.warn). */
const problems = (tab) =>
  call(
    tab,
    () => window.__console.filter((l) => /^(warn|error|pageerror) /.test(l)),
    null,
    5_000,
    'the console',
  );

/** Starts in a fresh profile: no consent, nothing stored. */
async function expectFresh(tab) {
  const ex = await explain(tab);
  assert.equal(ex.consent, null, 'a fresh session already holds consent: sessions are not isolated');
  assert.deepEqual(ex.stored.events, {}, 'a fresh session already holds events');
}

/** The collector POSTs since `from`: each answered 2xx and is a strict ReportBatch; their reports. */
function deliveredReports(site, from) {
  return site.reportPosts(from).flatMap((p) => {
    assert.ok(p.status >= 200 && p.status < 300, `the collector answered ${p.status}`);
    const parsed = ReportBatch.safeParse(JSON.parse(p.body));
    assert.ok(parsed.success, `a collector request that is not a strict ReportBatch: ${p.body}`);
    return parsed.data.reports;
  });
}

/** The page's one `[edseg]` warning (console.warn), matched against `re`; no other warning or error. */
async function oneWarning(tab, re) {
  const lines = await problems(tab);
  assert.equal(lines.length, 1, `one warning expected, got ${JSON.stringify(lines)}`);
  assert.match(lines[0], re);
}

export const scenarios = [
  {
    name: 'consent, segments, report',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await expectFresh(tab);
      await consentAndStudy(tab);
      await waitFor(tab, () => window.__segs.length > 0, null, 5_000, 'a segments event');
      const from = site.state.seen.length;
      assert.deepEqual(await call(tab, () => window.edseg.flush(), null, 20_000, 'flush()'), {
        sent: 1,
        pending: 0,
      });
      assert.ok(deliveredReports(site, from).length >= 1, 'no report reached the collector');
      assert.equal(site.reportPosts(from).length, 1, 'one flush, one collector request');
      assert.deepEqual(await problems(tab), []);
    },
  },
  {
    name: 'reload persistence',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await expectFresh(tab);
      const ids = await consentAndStudy(tab);
      const before = (await exported(tab)).events.length;
      await tab.reload();
      await started(tab, 'after reload');
      const after = await waitFor(
        tab,
        async () => (await window.edseg.segments()).map((x) => x.id).sort(),
        null,
        10_000,
        'segments after reload',
      );
      assert.deepEqual(after, ids);
      const ex = await explain(tab);
      assert.ok(ex.consent, 'consent was not kept across the reload');
      assert.equal(ex.storage.mode, 'indexeddb');
      assert.equal((await exported(tab)).events.length, before);
    },
  },
  earlySegments({ open, expectFresh, consentAndStudy, waitFor, call, started, problems }),
  staleEarly({ open, expectFresh, consentAndStudy, waitFor, call, started, problems }),
  {
    name: 'forget',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await expectFresh(tab);
      await consentAndStudy(tab);
      await call(tab, () => window.edseg.forget(), null, 20_000, 'forget()');
      await tab.reload();
      await started(tab, 'after forget and reload');
      await expectFresh(tab);
      const d = await exported(tab);
      assert.deepEqual([d.events.length, d.outbox.length], [0, 0]);
      assert.deepEqual(await call(tab, () => window.edseg.segments()), []);
    },
  },
  {
    name: 'setup warnings (origin, key, expiry)',
    async run({ session, site }) {
      const cases = [
        [
          `${site.unlisted}/t/a.html`,
          new RegExp(
            `^warn \\[edseg\\] nothing is released: this page's origin ${site.unlisted.replace(/\./g, '\\.')} is not in site "lingua-kids"'s origins.*npx edseg-admin site origins lingua-kids --add`,
          ),
        ],
        [
          `${site.site}/t/key.html`,
          /^warn \[edseg\] nothing is released: .*\(unknown-key\).*This page pins "retired-key"/,
        ],
        [
          `${site.site}/t/expired.html`,
          /^warn \[edseg\] nothing is released: .*\(expired\): expired at \d{4}-/,
        ],
      ];
      for (const [url, re] of cases) {
        const tab = await session.tab();
        await open(tab, url);
        assert.deepEqual(await call(tab, () => window.edseg.segments()), []);
        await oneWarning(tab, re);
      }
    },
  },
  {
    name: 'cross-origin script tag',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.other}/t/xo.html`);
      const ex = await explain(tab);
      assert.deepEqual(
        { origin: ex.origin, manifest: ex.manifest.status, blocked: ex.blocked ?? null },
        { origin: site.other, manifest: 'accepted', blocked: null },
      );
      await consentAndStudy(tab);
      assert.deepEqual(await call(tab, () => window.__errors), []);
      assert.deepEqual(await problems(tab), []);
    },
  },
  {
    name: 'navigation and back (bfcache)',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      const from = site.state.seen.length;
      const ids = await consentAndStudy(tab);
      // a link click, as a learner moves to the next page of a school site
      await call(tab, () => {
        window.__mark = 'first page';
        setTimeout(() => document.getElementById('next').click(), 0);
      });
      await waitFor(tab, () => location.pathname === '/t/b.html', null, 10_000, 'the second page');
      const t0 = Date.now();
      await waitFor(tab, () => window.__segs.length > 0, null, 5_000, 'segments on the second page');
      const onSecond = Date.now() - t0;
      assert.deepEqual(await problems(tab), [], 'warnings on the second page');
      // history.go(-1) from the page: puppeteer's goBack() cannot follow Firefox's bfcache restore
      await call(tab, () => void setTimeout(() => history.go(-1), 0));
      await waitFor(tab, () => location.pathname === '/t/a.html', null, 10_000, 'back on the first page');
      const back = await call(tab, () => ({ mark: window.__mark, shows: window.__shows }));
      const why = await call(tab, () =>
        JSON.stringify(performance.getEntriesByType('navigation')[0]?.notRestoredReasons ?? null),
      );
      assert.deepEqual(
        back,
        { mark: 'first page', shows: [false, true] },
        `the first page was not restored from the bfcache (notRestoredReasons: ${why})`,
      );
      const now = await call(
        tab,
        async () => (await window.edseg.segments()).map((x) => x.id).sort(),
        null,
        5_000,
        'the restored page’s segments()',
      );
      assert.deepEqual(now, ids, 'the restored page’s segments are not current');
      // whatever the pages delivered on the way (pagehide may report), nothing twice
      await call(tab, () => window.edseg.flush(), null, 10_000, 'flush() after back');
      const sent = deliveredReports(site, from).map((r) => JSON.stringify(r));
      assert.equal(new Set(sent).size, sent.length, 'a report was delivered twice');
      return `segments on page 2 after ${onSecond} ms`;
    },
  },
  {
    name: 'two tabs',
    async run({ session, site }) {
      const one = await session.tab();
      await open(one, `${site.site}/t/a.html`);
      const ids = await consentAndStudy(one);
      const two = await session.tab();
      await open(two, `${site.site}/t/a.html`);
      const seen = await waitFor(
        two,
        async () => (await window.edseg.segments()).map((x) => x.id).sort(),
        null,
        10_000,
        'segments in the second tab',
      );
      assert.deepEqual(seen, ids);
      assert.ok((await explain(two)).consent, 'the second tab does not see the consent');
      const n = (await exported(one)).events.length;
      await call(two, async () => {
        window.edseg.track('lesson_complete', { lessonId: 'l99', minutes: 5 });
        await window.edseg.segments();
      });
      await waitFor(
        one,
        async (n) => (await window.edseg.exportData()).events.length === n + 1,
        n,
        10_000,
        'the first tab seeing the second tab’s event',
      );
      assert.ok((await call(one, async () => (await window.edseg.segments()).length, null, 5_000)) > 0);
    },
  },
  {
    name: 'offline then online',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await consentAndStudy(tab);
      const from = site.state.seen.length;
      site.state.offline = true; // the proxy refuses every connection: no engine emulation needed
      try {
        assert.deepEqual(await call(tab, () => window.edseg.flush(), null, 30_000, 'flush() offline'), {
          sent: 0,
          pending: 1,
        });
        assert.equal((await exported(tab)).outbox.length, 1);
      } finally {
        site.state.offline = false;
      }
      // the connection is back; the browser says so with its `online` event, which the SDK listens to
      // (no engine lets a test toggle navigator.onLine through WebDriver, so the page fires it)
      await call(tab, () => void dispatchEvent(new Event('online')));
      await waitFor(
        tab,
        async () => (await window.edseg.exportData()).outbox.length === 0,
        null,
        5_000,
        'delivery on the online event',
      );
      assert.equal(deliveredReports(site, from).length >= 1, true);
      assert.equal(site.reportPosts(from).length, 1, 'the report was sent more than once');
      assert.deepEqual((await exported(tab)).outbox, []);
    },
  },
  {
    name: 'GPC',
    gpc: true,
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      assert.equal(
        await call(tab, () => navigator.globalPrivacyControl),
        true,
        'the browser does not send GPC',
      );
      await consentAndStudy(tab, {
        ageBand: 'adult',
        self: { purposes: ['instruction', 'analytics', 'marketing', 'advertising'] },
      });
      const ex = await explain(tab);
      assert.equal(ex.consent?.gpc, true);
      const ads = ex.segments.filter((s) => s.purpose === 'advertising');
      assert.ok(ads.length > 0);
      assert.ok(ads.every((s) => !s.released && s.reasons.includes('gpc')));
      const released = await call(tab, () => window.edseg.segments());
      assert.ok(released.some((s) => s.purpose === 'marketing'));
      assert.ok(!released.some((s) => s.purpose === 'advertising'));
    },
  },
  {
    name: 'cross-site iframe',
    async run({ session, site }) {
      const top = await session.tab();
      await top.goto(`${site.other}/t/top.html`);
      const frame = (body, arg) =>
        call(top, ({ body, arg }) => window.__frameCall(body, arg), { body, arg }, 30_000, 'the frame');
      await waitFor(
        top,
        () => window.__frameCall('return Boolean(window.edseg && window.edseg.ready)'),
        null,
        15_000,
        'the SDK in the frame',
      );
      const ex = await frame(
        'await window.edseg.ready; const ex = await window.edseg.explain(); return { origin: ex.origin, manifest: ex.manifest.status };',
      );
      assert.deepEqual(ex, { origin: site.site, manifest: 'accepted' });
      const released = await frame(
        `await window.edseg.setConsent(arg.consent);
         for (const [t, p] of arg.events) window.edseg.track(t, p);
         for (let i = 0; i < 50; i++) { const s = await window.edseg.segments(); if (s.length) return s.length; await new Promise((r) => setTimeout(r, 100)); }
         return 0;`,
        { consent: adultAllConsent, events: studyHard },
      );
      assert.ok(released > 0, 'no segments in the cross-site frame');
      const storage = await frame('return (await window.edseg.explain()).storage;');
      assert.deepEqual(
        storage,
        { mode: 'indexeddb' },
        'the frame does not store (partitioned storage is still storage)',
      );
      // the same origin as a top-level page: its storage is not the frame's (partitioned by top-level site)
      const alone = await session.tab();
      await open(alone, `${site.site}/t/a.html`);
      await expectFresh(alone);
    },
  },
];
