// The worker's engine as a function compiled and run only when called (rollup.config.mjs, the
// worker build): dist/edseg.worker.js stays one classic script (the script tag, the blob: bootstrap
// and bundlers that copy it as an asset all load one file), but its start (worker/index.ts,
// start.ts) runs and answers first, and the engine (TensorFlow.js, zod, JOSE, the stores) is parsed
// lazily by the browser and evaluated only once the start calls it (ARCHITECTURE.md "The start path").
//
// - `import('./engine.js')` in worker/index.ts is left out of the start bundle and rendered as a call
//   of `__edsegEngine()`;
// - the engine is bundled on its own (the same plugins) as an IIFE inside
//   `function __edsegEngine(){ … return <its exports> }`, appended to the start's file once written,
//   and the two sourcemaps are joined (scripts/size-breakdown.mjs reads them).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { rollup } from 'rollup';
import { SourceMapConsumer, SourceMapGenerator } from 'source-map-js';

const EXTERNAL_ID = 'edseg:engine';
const FN = '__edsegEngine';
const EXPORTS = '__edsegEngineExports';
const MAP_COMMENT = /\n?\/\/# sourceMappingURL=[^\n]*\n?$/;

/** Joins `a` (lines 0..) and `b` (from line `offset`) into one map. */
function joinMaps(a, b, offset, file) {
  const out = new SourceMapGenerator({ file });
  const add = (map, lineOffset) => {
    const c = new SourceMapConsumer(map);
    c.eachMapping((m) => {
      if (m.source == null) return;
      out.addMapping({
        generated: { line: m.generatedLine + lineOffset, column: m.generatedColumn },
        original: { line: m.originalLine, column: m.originalColumn },
        source: m.source,
        ...(m.name ? { name: m.name } : {}),
      });
    });
    for (const s of c.sources) {
      const content = c.sourceContentFor(s, true);
      if (content != null) out.setSourceContent(s, content);
    }
  };
  add(a, 0);
  add(b, offset);
  return out.toJSON();
}

/**
 * @param {{ input: string, importer: RegExp, plugins: () => import('rollup').Plugin[], treeshake?: object, onwarn?: Function }} engine
 */
export function lazyEngine(engine) {
  return {
    name: 'lazy-engine',
    resolveDynamicImport(specifier, importer) {
      if (specifier === './engine.js' && engine.importer.test(importer ?? ''))
        return { id: EXTERNAL_ID, external: true };
      return null;
    },
    renderDynamicImport({ targetModuleId }) {
      if (targetModuleId !== EXTERNAL_ID) return null;
      return { left: `Promise.resolve().then(function(){return ${FN}(`, right: ')})' };
    },
    async writeBundle(options) {
      const file = options.file;
      const bundle = await rollup({
        input: engine.input,
        plugins: engine.plugins(),
        treeshake: engine.treeshake,
        onwarn: engine.onwarn,
      });
      // The wrapper is the banner and footer: inside the minifier's input, so its names stay consistent.
      const { output } = await bundle.generate({
        format: 'iife',
        file, // sourcemap paths relative to the worker file, as the start's
        name: EXPORTS,
        sourcemap: true,
        banner: `function ${FN}(){`,
        footer: `return ${EXPORTS}}`,
      });
      await bundle.close();
      const [chunk] = output;
      const start = readFileSync(file, 'utf8').replace(MAP_COMMENT, '');
      const lines = start.split('\n').length;
      const code = `${start}\n${chunk.code.replace(MAP_COMMENT, '')}\n//# sourceMappingURL=${basename(file)}.map\n`;
      const mapFile = `${file}.map`;
      const map = joinMaps(JSON.parse(readFileSync(mapFile, 'utf8')), chunk.map, lines, basename(file));
      writeFileSync(file, code);
      writeFileSync(mapFile, JSON.stringify(map));
    },
  };
}
