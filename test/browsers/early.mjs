// Issue 24 point 2, in every engine: a repeat visit's stored decision is released before the manifest
// is answered (the site's proxy holds the request), and the recompute that follows agrees.
import assert from 'node:assert/strict';

/** The scenario, over scenarios.mjs's helpers. */
export function earlySegments({ open, expectFresh, consentAndStudy, waitFor, call, started, problems }) {
  return {
    // Issue 24 point 2: a repeat visit's stored decision is released before the manifest is answered.
    name: 'early segments on a repeat visit',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await expectFresh(tab);
      const ids = await consentAndStudy(tab);
      const from = site.state.seen.length;
      let letGo = () => {};
      site.state.holdManifest = new Promise((r) => (letGo = r));
      try {
        await tab.reload();
        const early = await waitFor(
          tab,
          () => window.__segs.length > 0 && window.__segs[0].map((x) => x.id).sort(),
          null,
          10_000,
          'segments while the manifest request is held',
        );
        assert.deepEqual(early, ids);
        const answered = site.state.seen.slice(from).filter((s) => s.path.endsWith('/manifest'));
        assert.equal(answered.length, 0, 'the manifest was answered before the segments arrived');
      } finally {
        site.state.holdManifest = null;
        letGo();
      }
      await started(tab, 'once the manifest is answered');
      const now = await call(tab, async () => (await window.edseg.segments()).map((x) => x.id).sort());
      assert.deepEqual(now, ids);
      // The recompute agreed with what was released early: no second event.
      assert.equal(await call(tab, () => window.__segs.length), 1);
      assert.deepEqual(await problems(tab), []);
    },
  };
}

/**
 * The same on the page's read when the store no longer matches the stored decision: another tab
 * (here the page itself, in plain IndexedDB, once its segmenter is closed) stored a new consent
 * record without the instruction purpose and decided nothing. While the proxy holds the manifest
 * request nothing may be released; then the worker's recompute under the new consent is the first
 * and only answer.
 */
export function staleEarly({ open, expectFresh, consentAndStudy, waitFor, call, started, problems }) {
  return {
    name: 'no early segments from a stale store',
    async run({ session, site }) {
      const tab = await session.tab();
      await open(tab, `${site.site}/t/a.html`);
      await expectFresh(tab);
      await consentAndStudy(tab);
      // The page's segmenter ends first: its worker would otherwise adopt the new record on the
      // reload's pagehide flush and store a decision under it (`[]`, rightly released early then).
      await call(tab, async () => (await window.edseg.close(), true));
      await call(
        tab,
        () =>
          new Promise((resolve, reject) => {
            const r = indexedDB.open('edseg:lingua-kids');
            r.onerror = () => reject(r.error);
            r.onsuccess = () => {
              const db = r.result;
              const tx = db.transaction('kv', 'readwrite');
              const kv = tx.objectStore('kv');
              const got = kv.get('consent');
              got.onsuccess = () => kv.put({ ...got.result, self: { purposes: ['analytics'] } }, 'consent');
              tx.oncomplete = () => (db.close(), resolve(true));
              tx.onerror = () => reject(tx.error);
            };
          }),
        null,
        10_000,
        'another consent record stored',
      );
      let letGo = () => {};
      site.state.holdManifest = new Promise((r) => (letGo = r));
      try {
        await tab.reload();
        await waitFor(tab, () => Boolean(window.edseg?.ready), null, 10_000, 'the script tag');
        // Long past the page's read (a few ms in every engine): nothing came of it.
        await new Promise((r) => setTimeout(r, 1_500));
        assert.deepEqual(await call(tab, () => window.__segs), [], 'segments released from a stale store');
      } finally {
        site.state.holdManifest = null;
        letGo();
      }
      await started(tab, 'once the manifest is answered');
      await waitFor(tab, () => window.__segs.length > 0, null, 10_000, 'the recompute');
      assert.deepEqual(await call(tab, () => window.__segs), [[]]);
      assert.deepEqual(await call(tab, async () => await window.edseg.segments()), []);
      assert.deepEqual(await problems(tab), []);
    },
  };
}
