import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceMapGenerator } from 'source-map-js';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the size check, no declarations
import { breakdown, groupOf, moduleOf } from '../../../scripts/size-breakdown.mjs';

describe('the size breakdown (npm run size)', () => {
  it('groups a source by npm package, scoped or not, else by its folder', () => {
    expect(groupOf('../node_modules/@tensorflow/tfjs-core/dist/ops/add.js')).toBe('@tensorflow/tfjs-core');
    expect(groupOf('../node_modules/zod/v4/core/schemas.js')).toBe('zod');
    expect(groupOf('../src/core/schema/manifest.ts')).toBe('src/core/schema');
    expect(groupOf('../worker/engine.ts')).toBe('worker');
  });

  it('names a module by its path in its package or the repository', () => {
    expect(moduleOf('../node_modules/@tensorflow/tfjs-core/dist/engine.js')).toBe(
      '@tensorflow/tfjs-core/dist/engine.js',
    );
    expect(moduleOf('../../src/core/schema/plain.ts')).toBe('src/core/schema/plain.ts');
    expect(moduleOf('..\\worker\\idb.ts')).toBe('worker/idb.ts');
  });

  it('counts each generated segment for the source of its mapping, the rest as unmapped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edseg-size-'));
    try {
      // "(function(){" 12 wrapper bytes, then 10 bytes of zod, 6 of worker/, then "})();"
      const code = '(function(){aaaaaaaaaabbbbbb})();';
      const map = new SourceMapGenerator({ file: 'b.js' });
      const at = (column: number, source: string) =>
        map.addMapping({ generated: { line: 1, column }, original: { line: 1, column: 0 }, source });
      at(12, '../node_modules/zod/index.js');
      at(22, '../worker/engine.ts');
      at(28, '../worker/engine.ts');
      writeFileSync(join(dir, 'b.js'), code);
      writeFileSync(join(dir, 'b.js.map'), map.toString());
      // unmapped: the wrapper's 12 bytes and the line's end; "})();" (5) follows the last worker mapping
      expect(breakdown(join(dir, 'b.js'), moduleOf)).toEqual([
        ['(unmapped)', 13],
        ['worker/engine.ts', 11],
        ['zod/index.js', 10],
      ]);
      expect(breakdown(join(dir, 'b.js'))).toEqual([
        ['(unmapped)', 13],
        ['worker', 11],
        ['zod', 10],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
