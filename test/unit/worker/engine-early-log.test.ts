/**
 * What the page says it released early (EngineConfig.early 'pending', then earlyReleased;
 * src/client/early.ts): the engine's start waits for it, and checks its shape before logging it (a bad
 * value is refused naming the field and counts as nothing). Logging it: test/unit/client/early-audit.test.ts.
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

it("refuses a bad earlyReleased after 'pending', naming the field, and starts all the same", async () => {
  await h.resign({ version: 1 });
  const engine = new Engine(h.deps());
  const init = engine.init(config({ early: 'pending' }), () => {});
  for (const [bad, field] of [
    ['busy', 'earlyReleased'],
    [[null], 'earlyReleased.0'],
    [[{ id: 'busy' }, { id: 7 }], 'earlyReleased.1.id'],
  ] as const)
    await expect(engine.earlyReleased(bad as never)).rejects.toMatchObject({ code: 'invalid-input', field });
  await expect(init).resolves.toMatchObject({ manifestVersion: 1 });
  const audit = (await engine.exportData()).audit as { detail: { early?: boolean } }[];
  expect(audit.some((a) => a.detail.early)).toBe(false);
  await engine.close();
});

it("waits for earlyReleased after 'pending' before its start ends; ignores it otherwise", async () => {
  await h.resign({ version: 1 });
  const engine = new Engine(h.deps());
  let started = false;
  const init = engine.init(config({ early: 'pending' }), () => {}).then(() => (started = true));
  await new Promise((r) => setTimeout(r, 50));
  expect(started).toBe(false);
  await engine.earlyReleased(null);
  await init;
  await engine.close();
  const other = new Engine(h.deps());
  await other.earlyReleased(null); // no 'pending': nothing waits, nothing happens
  await expect(other.init(config(), () => {})).resolves.toMatchObject({ manifestVersion: 1 });
  await other.close();
});
