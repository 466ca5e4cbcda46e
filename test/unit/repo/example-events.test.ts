/**
 * The examples in examples/ track events of the seeded `lingua-kids` manifest (src/server/demo): an
 * event name no feature reads is dropped by the SDK's data minimisation, so an example that tracks
 * `lesson_completed` where the manifest reads `lesson_complete` releases segments from nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED_FEATURES } from '../../../src/server/demo/features.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const examples = join(root, 'examples');

/** Every source file of every example (pages and scripts), without installs or builds. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', 'dist', '.next'].includes(e.name)) return [];
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(m?js|jsx|ts|tsx|html)$/.test(e.name) ? [p] : [];
  });
}

/** `track('name'` / `track("name"` calls in a file, with the name. */
function tracked(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\btrack\(\s*['"`]([^'"`]+)['"`]/g)].map((m) => m[1]!);
}

describe('examples/ track the seeded manifest’s event names', () => {
  const read = new Set(SEED_FEATURES.flatMap((f) => f.events));
  const calls = sources(examples).flatMap((file) =>
    tracked(file).map((event) => ({ file: relative(root, file), event })),
  );

  it('finds the track calls of every example that tracks (vite, webpack, script-tag, react, next)', () => {
    const dirs = new Set(calls.map((c) => c.file.split('/')[1]));
    expect([...dirs].sort()).toEqual(['next', 'react', 'script-tag', 'vite', 'webpack']);
  });

  it('every tracked event is one a feature of the seeded manifest reads', () => {
    const unknown = calls.filter((c) => !read.has(c.event)).map((c) => `${c.file}: ${c.event}`);
    expect(unknown).toEqual([]);
  });
});
