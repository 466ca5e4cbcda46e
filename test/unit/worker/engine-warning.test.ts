/**
 * The one warning of a start that releases nothing because of the page's setup (issue 20): init's
 * `warning`, composed in the worker, names the cause and the fix; a good start has none.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import type { EngineConfig, InitResult } from '../../../src/core/protocol.js';
import { engineHarness } from '../../fixtures/engine.js';
import { DAY, ORIGIN, testKey, testManifest } from '../../fixtures/manifest.js';

const h = engineHarness();
const MANIFEST_URL = 'https://c.example/v1/sites/x/manifest';

async function init(over: { origin?: string; keys?: EngineConfig['publicKeys'] } = {}): Promise<InitResult> {
  const e = new Engine(h.deps(over.origin ? { origin: over.origin } : {}));
  const r = await e.init(
    {
      site: `site-${h.site}`,
      manifestUrl: MANIFEST_URL,
      collectorUrl: 'https://c.example/v1/reports',
      publicKeys: over.keys ?? [h.key.publicJwk],
    },
    () => {},
  );
  await e.close();
  return r;
}

describe('engine: the start warning', () => {
  it('a good start has no warning', async () => {
    const r = await init();
    expect(r.manifestVersion).toBe(1);
    expect(r.warning).toBeUndefined();
    expect(r.manifestRefused).toBeUndefined();
  });

  it("an origin the manifest does not list: names the page's origin and the command that fixes it", async () => {
    const r = await init({ origin: 'http://localhost:8787' });
    expect(r.manifestRefused).toBe('origin-not-allowed');
    expect(r.warning).toBe(
      `[edseg] nothing is released: this page's origin http://localhost:8787 is not in site "site-${h.site}"'s ` +
        `origins (the manifest from ${MANIFEST_URL}). Fix: add it, then publish: ` +
        `npx edseg-admin site origins site-${h.site} --add http://localhost:8787 && npx edseg-admin publish site-${h.site}` +
        ` (or the console's origins editor, then "Review and publish").`,
    );
  });

  it("a key the page does not pin: names the manifest's kid and the pinned key ids", async () => {
    const old = await testKey('retired-2026');
    const other = await testKey('other-key');
    const r = await init({ keys: [old.publicJwk, other.publicJwk] });
    expect(r.manifestRefused).toBe('unknown-key');
    expect(r.warning).toMatch(
      /^\[edseg\] nothing is released: the manifest from \S+ was refused \(unknown-key\)/,
    );
    expect(r.warning).toContain(`"${h.key.publicJwk.kid}"`);
    expect(r.warning).toContain('This page pins "retired-2026", "other-key".');
    expect(r.warning).toContain('GET /v1/keys');
  });

  it('an expired manifest: names when it expired', async () => {
    const expiresAt = new Date(h.clock - DAY).toISOString();
    h.net.manifest = await h.key.sign({
      ...testManifest({ site: { id: `site-${h.site}`, origins: [ORIGIN] } }, h.clock - 7 * DAY),
      expiresAt,
    });
    const r = await init();
    expect(r.manifestRefused).toBe('expired');
    expect(r.warning).toContain(`(expired): expired at ${expiresAt}.`);
    expect(r.warning).toContain(`npx edseg-admin publish site-${h.site}`);
  });
});
