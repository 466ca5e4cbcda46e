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
