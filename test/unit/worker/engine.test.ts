import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import { dbExists } from '../../../worker/idb.js';
import { ReportBatch, dayOf, type ConsentInput, type ReleasedSegment } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, ORIGIN, testKey, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const { deps, start, lessons } = h;

describe('engine: before consent', () => {
  it('keeps events in memory and creates no database', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.ingest(lessons(3));
    expect((await e.exportData()).events).toHaveLength(3);
    expect(await dbExists(`site-${h.site}`)).toBe(false);
    expect(await e.segments()).toEqual([]);
    expect((await e.explain()).segments.every((s) => s.reasons[0] === 'no-consent')).toBe(true);
  });

  it('moves what it held into IndexedDB once consent allows a purpose', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.ingest(lessons(3));
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    expect(await dbExists(`site-${h.site}`)).toBe(true);
    const data = await e.exportData();
    expect(data.persisted).toBe(true);
    expect(data.events).toHaveLength(3);
    expect(data.rollups.find((r) => r.type === 'lesson_complete' && r.prop === '')?.count).toBe(3);
  });

  it('stays in memory when the consent record allows nothing', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'under13' });
    await e.ingest(lessons(1));
    expect(await dbExists(`site-${h.site}`)).toBe(false);
  });
});

describe('engine: minimisation and assignment', () => {
  it('drops event types and props no feature reads', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await e.ingest([
      { type: 'page_view', props: { path: '/secret' }, ts: h.clock },
      { type: 'quiz_complete', props: { score: 80, name: 'Ada' }, ts: h.clock },
    ]);
    const events = (await e.exportData()).events;
    expect(events.map((x) => x.type)).toEqual(['quiz_complete']);
    expect(events[0]!.props).toEqual({ score: 80 });
  });

  it('explain() summarises what is stored without handing over the records', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await e.ingest([...lessons(3), { type: 'quiz_complete', props: { score: 70 }, ts: h.clock }]);
    await e.declare({ goal: 'exam' });
    const { stored } = await e.explain();
    expect(stored.events).toEqual({ lesson_complete: 3, quiz_complete: 1 });
    expect(stored.rollups).toBe((await e.exportData()).rollups.length);
    expect(stored.pending).toBe(0);
    expect(stored.declared).toEqual({ goal: 'exam' });
    expect(stored.retention).toEqual({ rawEventDays: 30, rollupDays: 180 });
  });

  it('moves the learner from idle to busy and notifies the page', async () => {
    const e = new Engine(deps());
    const seen = await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    expect((await e.segments()).map((s) => s.id)).toEqual(['idle']);
    await e.ingest(lessons(9));
    expect((await e.segments()).map((s) => s.id)).toEqual(['busy']);
    expect(seen.at(-1)!.map((s) => s.id)).toEqual(['busy']);
  });
});

describe('engine: manifests', () => {
  it("refuses a manifest that asks for more epsilon than the device's ceilings, and says why", async () => {
    const base = testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock);
    h.net.manifest = await h.key.sign({
      ...base,
      reporting: { ...base.reporting, epsilonSegment: 4, epsilonFeatures: 2 },
    });
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } });
    const ex = await e.explain();
    expect(ex.manifest).toMatchObject({ status: 'refused', reason: 'over-ceiling' });
    expect(ex.blocked).toBe('manifest-refused');
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
  });

  it('lets the page lower the ceilings with maxEpsilonPerReport, never raise them', async () => {
    const e = new Engine(deps());
    await e.init(
      {
        site: `site-${h.site}`,
        manifestUrl: 'https://c.example/v1/sites/x/manifest',
        collectorUrl: 'https://c.example/v1/reports',
        publicKeys: [h.key.publicJwk],
        maxEpsilonPerReport: 2,
      },
      () => {},
    );
    expect((await e.explain()).manifest).toMatchObject({ status: 'refused', reason: 'over-ceiling' });
  });

  it('refuses a manifest signed by an unpinned key and releases nothing', async () => {
    const other = await testKey('test-key');
    h.net.manifest = await other.sign(
      testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock),
    );
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await e.ingest(lessons(9));
    expect(await e.segments()).toEqual([]);
    const ex = await e.explain();
    expect(ex.manifest.status).toBe('refused');
    expect(ex.blocked).toBe('manifest-refused');
  });

  it('keeps working on the last good manifest when the network is down', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await a.close();
    h.net.manifestDown = true;
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    expect((await b.explain()).manifest.status).toBe('accepted');
    expect((await b.segments()).map((s) => s.id)).toEqual(['idle']);
  });

  it('refuses to roll back to an older manifest version', async () => {
    h.net.manifest = await h.key.sign(
      testManifest({ version: 3, site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock),
    );
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await a.close();
    h.net.manifest = await h.key.sign(
      testManifest({ version: 2, site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock),
    );
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    const ex = await b.explain();
    expect(ex.manifest.version).toBe(3);
    expect(
      (await b.exportData()).audit.some(
        (x) => x.kind === 'manifest-refused' && x.detail.reason === 'older-version',
      ),
    ).toBe(true);
  });
});

describe('engine: reports', () => {
  const consent = {
    ageBand: 'adult' as const,
    self: { purposes: ['instruction' as const, 'analytics' as const] },
  };

  it('sends at most one report per period, each a strict ReportBatch', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent(consent);
    await e.ingest(lessons(4));
    expect(await e.flush()).toEqual({ sent: 1, pending: 0 });
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    expect(h.net.posts).toHaveLength(1);
    const batch = ReportBatch.parse(h.net.posts[0]);
    expect(batch.reports[0]!.segments.map((f) => [f.model, f.channel])).toEqual([['pace', 'clear']]);
    h.clock += 7 * DAY;
    await h.resign(); // the server re-signs daily: the open page moves on to the new version
    expect((await e.flush()).sent).toBe(1);
  });

  it('stops reporting when the rolling budget is spent', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics', 'marketing'] } });
    // eps per report = 1 (promo, ldp) + 2 (features) = 3; cap 10 in 28 days -> three reports, not four.
    let sent = 0;
    for (let week = 0; week < 4; week++) {
      sent += (await e.flush()).sent;
      h.clock += 7 * DAY;
      await h.resign();
      await h.resign(); // the server re-signs daily: the open page moves on to the new version
    }
    expect(sent).toBe(3);
    const ex = await e.explain();
    expect(ex.budget.cap).toBe(10);
  });

  it('keeps a report for a retry when the collector is down, and drops it on withdrawal', async () => {
    h.net.collectorStatus = 503;
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent(consent);
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    await e.setConsent({
      ageBand: 'adult',
      optOut: ['instruction', 'analytics', 'marketing', 'advertising'],
    });
    h.net.collectorStatus = 202;
    h.clock += DAY; // past the backoff
    expect(await e.flush()).toEqual({ sent: 0, pending: 0 });
    expect((await e.exportData()).audit.filter((a) => a.kind === 'report-dropped')).toHaveLength(1);
  });
});

describe('engine: retention and forget', () => {
  it('deletes raw events older than rawEventDays at start, keeping the rollups', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await a.ingest([...lessons(2, h.clock - 40 * DAY), ...lessons(1, h.clock)]);
    await a.close();
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    const data = await b.exportData();
    expect(data.events).toHaveLength(1);
    expect(data.rollups.some((r) => r.day === dayOf(h.clock - 40 * DAY))).toBe(true);
    expect(data.audit.some((x) => x.kind === 'retention' && x.detail.eventsDeleted === 2)).toBe(true);
  });

  it('forget() deletes the database and refuses later calls', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } });
    await e.ingest(lessons(2));
    await e.forget();
    expect(await dbExists(`site-${h.site}`)).toBe(false);
    await expect(e.flush()).rejects.toMatchObject({ code: 'forgotten' });
    const before = h.net.requests.length;
    await expect(e.ingest(lessons(1))).rejects.toMatchObject({ code: 'forgotten' });
    expect(h.net.requests.length).toBe(before);
  });
});

describe('engine: several tabs', () => {
  const consent = {
    ageBand: 'teen' as const,
    self: { purposes: ['instruction' as const, 'analytics' as const] },
  };
  const until = async (cond: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('a withdrawal in one tab stops releases and reports in another at once', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(consent);
    const b = new Engine(deps());
    const seenB = await start(b, `site-${h.site}`);
    expect((await b.segments()).length).toBe(1);
    await a.setConsent({ ageBand: 'teen', optOut: ['instruction', 'analytics', 'marketing', 'advertising'] });
    await until(async () => (await b.segments()).length === 0);
    expect(await b.segments()).toEqual([]);
    expect(seenB.at(-1)).toEqual([]);
    expect(await b.flush()).toEqual({ sent: 0, pending: 0 });
    expect(h.net.posts).toHaveLength(0);
    await a.close();
    await b.close();
  });

  it('a tab that missed the message still reads the stored consent before it reports', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(consent);
    const b = new Engine(deps({ channel: () => null }));
    await start(b, `site-${h.site}`);
    await a.setConsent({ ageBand: 'teen', optOut: ['analytics'] });
    expect(await b.flush()).toEqual({ sent: 0, pending: 0 });
    expect(h.net.posts).toHaveLength(0);
    await a.close();
    await b.close();
  });

  it('a tab that started before any consent keeps its events when another tab records consent', async () => {
    const b = new Engine(deps());
    await start(b, `site-${h.site}`);
    await b.ingest(lessons(9));
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(consent);
    await until(async () => (await b.segments()).length > 0);
    expect((await b.segments()).map((s) => s.id)).toEqual(['busy']);
    expect((await b.exportData()).events.filter((e) => e.type === 'lesson_complete')).toHaveLength(9);
    await a.close();
    await b.close();
  });

  it('forget() in one tab empties and stops every other tab of the site', async () => {
    const a = new Engine(deps());
    await start(a, `site-${h.site}`);
    await a.setConsent(consent);
    const b = new Engine(deps());
    const seenB = await start(b, `site-${h.site}`);
    await a.forget();
    await until(async () =>
      b.segments().then(
        () => false,
        () => true,
      ),
    );
    await expect(b.segments()).rejects.toMatchObject({ code: 'forgotten' });
    expect(seenB.at(-1)).toEqual([]);
    expect(await dbExists(`site-${h.site}`)).toBe(false);
  });
});

describe('engine: delivery', () => {
  it('a report the collector refuses does not take the valid reports of its batch down with it', async () => {
    h.net.collectorStatus = 503;
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } });
    expect(await e.flush()).toEqual({ sent: 0, pending: 1 });
    const bad = (await e.exportData()).outbox[0]!.report.id;
    h.clock += 7 * DAY; // the next period, and past the first report's backoff
    await h.resign();
    h.net.collectorStatus = (body) => (body.reports.some((r) => r.id === bad) ? 400 : 202);
    expect(await e.flush()).toEqual({ sent: 1, pending: 0 });
    const audit = (await e.exportData()).audit;
    expect(audit.filter((x) => x.kind === 'report-dropped').map((x) => x.detail.reportId)).toEqual([bad]);
    expect(audit.filter((x) => x.kind === 'report-sent')).toHaveLength(1);
  });
});

describe('engine: Global Privacy Control is live', () => {
  /** The fixture with its promo model used for advertising. */
  const withAds = async () => {
    const m = testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock);
    m.models = m.models.map((x) => (x.id === 'promo' ? { ...x, purpose: 'advertising' } : x));
    h.net.manifest = await h.key.sign(m);
  };
  const adult: ConsentInput = {
    ageBand: 'adult',
    self: { purposes: ['instruction', 'analytics', 'advertising'] },
  };
  const ads = (r: ReleasedSegment[]) => r.filter((s) => s.purpose === 'advertising');

  it('withholds advertising segments at a later start with GPC on, though consent was stored without it', async () => {
    await withAds();
    const first = new Engine(deps());
    await start(first, `site-${h.site}`);
    await first.setConsent(adult);
    expect(ads(await first.segments())).toHaveLength(1);
    await first.close();
    const later = new Engine(deps({ gpc: () => true }));
    await start(later, `site-${h.site}`);
    expect(ads(await later.segments())).toEqual([]);
    // GPC denies the purpose itself, so the advertising model is not even assigned.
    const promo = (await later.explain()).segments.filter((s) => s.model === 'promo');
    expect(promo.map((s) => [s.assigned, s.reasons[0]])).toEqual([
      [false, 'gpc'],
      [false, 'gpc'],
    ]);
  });

  it('withholds advertising segments as soon as the worker reads GPC on, without a reload', async () => {
    await withAds();
    let gpc = false;
    const e = new Engine(deps({ gpc: () => gpc }));
    const seen = await start(e, `site-${h.site}`);
    await e.setConsent(adult);
    expect(ads(await e.segments())).toHaveLength(1);
    gpc = true;
    expect(ads(await e.segments())).toEqual([]);
    expect(ads(seen.at(-1)!)).toEqual([]);
    expect((await e.explain()).consent?.gpc).toBe(true);
  });
});

describe('engine: no assignment for a purpose the consent does not allow', () => {
  it('assigns the instruction model only when consent allows instruction alone', async () => {
    const e = new Engine(deps());
    await start(e, `site-${h.site}`);
    await e.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
    await e.ingest(lessons(3));
    const segs = (await e.explain()).segments;
    expect(segs.filter((s) => s.model === 'pace' && s.assigned)).toHaveLength(1);
    expect(segs.filter((s) => s.model === 'promo').map((s) => s.assigned)).toEqual([false, false]);
    expect(segs.filter((s) => s.model === 'promo').every((s) => s.reasons[0] === 'no-basis')).toBe(true);
  });
});
