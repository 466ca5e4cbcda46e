import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { rollup } from 'rollup';
import { SourceMapConsumer } from 'source-map-js';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build plugin, no declarations
import { lazyEngine } from '../../../scripts/lazy-engine.mjs';

// A start and an engine sharing a module, as worker/index.ts, start.ts and engine.ts do.
const files = {
  'shared.js': `export let calls = 0;
export function shared(who) { calls++; return 'SHARED_MARKER ' + who + ' ' + calls; }`,
  'index.js': `import { shared, calls } from './shared.js';
globalThis.log.push(shared('start'));
globalThis.load = async () => new (await import('./engine.js')).Engine();
globalThis.startCalls = () => calls;`,
  'engine.js': `import { shared } from './shared.js';
globalThis.log.push('ENGINE_EVALUATED');
export class Engine { hello() { return shared('engine'); } }`,
};

async function build(
  dir: string,
  sources: Record<string, string> = files,
): Promise<{ code: string; map: string; written: string[] }> {
  for (const [name, text] of Object.entries(sources)) writeFileSync(join(dir, name), text);
  const bundle = await rollup({
    input: join(dir, 'index.js'),
    plugins: [lazyEngine({ importer: /index\.js$/, terser: { ecma: 2020, module: false } })],
  });
  await bundle.write({
    dir: join(dir, 'out'),
    entryFileNames: 'w.js',
    chunkFileNames: 'engine.js',
    format: 'es',
    sourcemap: true,
  });
  await bundle.close();
  return {
    code: readFileSync(join(dir, 'out/w.js'), 'utf8'),
    map: readFileSync(join(dir, 'out/w.js.map'), 'utf8'),
    written: readdirSync(join(dir, 'out')).sort(),
  };
}

describe('the worker build (scripts/lazy-engine.mjs)', () => {
  it('writes one classic script, each shared module once, the engine evaluated only when the start calls it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edseg-lazy-'));
    try {
      const { code, map, written } = await build(dir);
      expect(written).toEqual(['w.js', 'w.js.map']);
      expect(code).not.toMatch(/^\s*(import|export)\b|\bimport\(/m);
      expect(code.split('SHARED_MARKER').length - 1).toBe(1);

      type Context = { log: string[]; load?: () => Promise<{ hello(): string }>; startCalls?: () => number };
      const context: Context & { globalThis?: Context } = { log: [] };
      context.globalThis = context;
      runInNewContext(code, context);
      expect(context.log).toEqual(['SHARED_MARKER start 1']);
      const engine = await context.load!();
      expect(context.log).toEqual(['SHARED_MARKER start 1', 'ENGINE_EVALUATED']);
      // the engine calls the start's own instance of the shared module: one counter, seen by both
      expect(engine.hello()).toBe('SHARED_MARKER engine 2');
      expect(context.startCalls!()).toBe(2);

      // every byte of the shared module still maps to its source (scripts/size-breakdown.mjs reads it)
      const consumer = new SourceMapConsumer(JSON.parse(map));
      const line = code.split('\n').findIndex((l) => l.includes('SHARED_MARKER'));
      const at = code.split('\n')[line]!.indexOf('SHARED_MARKER');
      const pos = consumer.originalPositionFor({ line: line + 1, column: at });
      expect(pos.source).toMatch(/shared\.js$/);
      expect(consumer.sources.some((s) => /engine\.js$/.test(s))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails the build when a global the engine reads is spelled like one of the start's top-level names", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edseg-lazy-'));
    try {
      // The engine reads the global `origin`; the start declares a top-level `origin` of its own.
      const captured = {
        ...files,
        'index.js': `import { shared } from './shared.js';
function origin() { return 'start'; }
globalThis.log.push(origin(), shared('start'));
globalThis.load = async () => new (await import('./engine.js')).Engine();`,
        'engine.js': `import { shared } from './shared.js';
export class Engine { where() { return typeof origin === 'string' ? origin : shared('engine'); } }`,
      };
      await expect(build(dir, captured)).rejects.toThrow(/the engine's global "origin"/);
      // A local of the engine spelled the same is its own, not a capture.
      const local = {
        ...captured,
        'engine.js': `import { shared } from './shared.js';
export class Engine { where() { const origin = shared('engine'); return origin; } }`,
      };
      await expect(build(join(dir), local)).resolves.toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
