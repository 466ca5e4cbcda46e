/**
 * What the page says it released early (EngineConfig.early, earlyReleased; src/client/early.ts) is
 * checked for shape before the engine logs it: a bad value is refused with an error naming the field,
 * and a bad answer after 'pending' does not hold the start. Logging it: test/unit/client/early-audit.test.ts.
 */
import 'fake-indexeddb/auto';
import { expect, it } from 'vitest';
import { Engine } from '../../../worker/engine.js';
import type { EngineConfig } from '../../../src/core/schema.js';
import { engineHarness } from '../../fixtures/engine.js';

const h = engineHarness();
const config = (over: Partial<EngineConfig> = {}): EngineConfig => ({
  site: `site-${h.site}`,
  manifestUrl: 'https://c.example/v1/sites/x/manifest',
  collectorUrl: 'https://c.example/v1/reports',
  publicKeys: [h.key.publicJwk as never],
  ...over,
});

it('refuses an init whose early release is not a list of released segments, naming the field', async () => {
  const engine = new Engine(h.deps());
  const bad = [{ id: 'busy', name: 'Busy', purpose: 'sales', manifestVersion: 1, model: 'm' }];
  await expect(engine.init(config({ early: bad as never }), () => {})).rejects.toMatchObject({
    code: 'invalid-input',
    field: 'init.early.0.purpose',
  });
});

it("refuses a bad earlyReleased after 'pending' and starts all the same, logging nothing early", async () => {
  await h.resign({ version: 1 });
  const engine = new Engine(h.deps());
  const init = engine.init(config({ early: 'pending' }), () => {});
  await expect(engine.earlyReleased('busy' as never)).rejects.toMatchObject({
    code: 'invalid-input',
    field: 'earlyReleased',
  });
  await expect(init).resolves.toMatchObject({ manifestVersion: 1 });
  const audit = (await engine.exportData()).audit as { detail: { early?: boolean } }[];
  expect(audit.some((a) => a.detail.early)).toBe(false);
  await engine.close();
});
