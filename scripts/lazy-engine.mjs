// The worker's engine as a function compiled and run only when called (rollup.config.mjs, the
// worker build): dist/edseg.worker.js stays one classic script (the script tag, the blob: bootstrap
// and bundlers that copy it as an asset all load one file), but its start (worker/index.ts,
// start.ts) runs and answers first, and the engine (TensorFlow.js, the plain checks, the WebCrypto
// manifest verifier, the stores; no zod, no JOSE library) is parsed lazily by the browser and
// evaluated only once the start calls it (ARCHITECTURE.md "The start path").
//
// One rollup build, two chunks: `import('./engine.js')` in worker/index.ts makes the engine a
// dynamic chunk, and rollup keeps every module both halves use (errors, decision, the manifest
// request, ...) once, in the start's chunk, which exports what the engine imports of them. At the
// end of the build (before minification) the two chunks become one script:
//
//   (function(){'use strict'; <the start>
//    function __edsegEngine(){ return (function(<the engine's imports>){ <the engine>
//      return { Engine }; })(<the start's bindings>) } })();
//
// the dynamic import rendered as a call of `__edsegEngine`. Terser then minifies the whole file once,
// and the sourcemap (rollup's chunk maps joined line by line, composed by terser) still attributes
// every byte to its source, for scripts/size-breakdown.mjs.
import { basename } from 'node:path';
import { analyze } from 'eslint-scope';
import { minify } from 'terser';
import { SourceMapConsumer, SourceMapGenerator } from 'source-map-js';

const FN = '__edsegEngine';
const NAME = /^[\w$]+$/;
const MAP_COMMENT = /\n?\/\/# sourceMappingURL=[^\n]*\n?$/;

/** `{ a as b, c }` as [[a, b], [c, c]]. */
function specifiers(list) {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [from, to = from] = s.split(/\s+as\s+/);
      if (!NAME.test(from) || !NAME.test(to)) throw new Error(`lazy-engine: cannot read specifier "${s}"`);
      return [from, to];
    });
}

/** Removes the one statement `re` matches from `code` (it must be whole lines) and returns its match. */
function cut(code, re, what) {
  const all = [...code.matchAll(new RegExp(re.source, `${re.flags}g`))];
  if (all.length !== 1) throw new Error(`lazy-engine: expected one ${what}, found ${all.length}`);
  return all[0];
}

/**
 * Lines of `parts` (strings, or chunks `{ code, map }`) joined with a map whose every kept line keeps
 * its columns; `drop` lists, per chunk, the [start, end) character ranges of removed whole lines.
 */
function join(parts, file) {
  const out = new SourceMapGenerator({ file });
  const lines = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      lines.push(...part.split('\n'));
      continue;
    }
    const src = part.code.split('\n');
    const kept = new Map(); // chunk line (1-based) -> output line (1-based)
    let offset = 0;
    src.forEach((line, i) => {
      const at = offset;
      offset += line.length + 1;
      if (part.drop.some(([a, b]) => at >= a && at < b)) return;
      lines.push(line);
      kept.set(i + 1, lines.length);
    });
    const c = new SourceMapConsumer(part.map);
    c.eachMapping((m) => {
      const line = kept.get(m.generatedLine);
      if (m.source == null || line == null) return;
      out.addMapping({
        generated: { line, column: m.generatedColumn },
        original: { line: m.originalLine, column: m.originalColumn },
        source: m.source,
        ...(m.name ? { name: m.name } : {}),
      });
    });
    for (const s of c.sources) {
      const content = c.sourceContentFor(s, true);
      if (content != null) out.setSourceContent(s, content);
    }
  }
  return { code: lines.join('\n'), map: out.toJSON() };
}

/**
 * The engine is nested in the start's scope, so a global the engine reads by its bare name (`fetch`,
 * `origin`, `close`, …) would bind to a top-level name of the start chunk that is spelled the same;
 * rollup keeps each chunk's names apart, not the two chunks'. Throws naming any such name.
 * @param {(code: string) => import('estree').Program} parse rollup's parser (`this.parse`)
 */
function checkNoCapture(parse, startCode, engineCode) {
  // eslint-scope reads ranges; rollup's nodes carry start and end.
  const ranged = (node) => {
    if (node && typeof node === 'object') {
      if (typeof node.start === 'number') node.range = [node.start, node.end];
      for (const v of Object.values(node)) if (v && typeof v === 'object') ranged(v);
    }
    return node;
  };
  const scopes = (code) => analyze(ranged(parse(code)), { ecmaVersion: 2022, sourceType: 'module' });
  const start = scopes(startCode).scopes.find((s) => s.type === 'module');
  const declared = new Set([FN, ...(start?.variables ?? []).map((v) => v.name)]);
  const captured = [...new Set(scopes(engineCode).globalScope.through.map((r) => r.identifier.name))].filter(
    (name) => declared.has(name),
  );
  if (captured.length)
    throw new Error(
      `lazy-engine: the engine's global ${captured.map((n) => `"${n}"`).join(', ')} would read the start's top-level name of the same spelling; rename it in the start`,
    );
}

/**
 * @param {{ importer: RegExp, terser: import('terser').MinifyOptions }} options `importer`: the module whose
 * `import('./engine.js')` is the engine; `terser`: how to minify the joined file.
 */
export function lazyEngine({ importer, terser }) {
  let engineId = null;
  return {
    name: 'lazy-engine',
    async resolveDynamicImport(specifier, from) {
      if (specifier !== './engine.js' || !importer.test(from ?? '')) return null;
      const resolved = await this.resolve(specifier, from, { skipSelf: true });
      engineId = resolved?.id ?? null;
      return resolved;
    },
    renderDynamicImport({ targetModuleId }) {
      if (targetModuleId == null || targetModuleId !== engineId) return null;
      // The chunk's file name is rendered between the two (and ignored): it is not a file of its own.
      return { left: `Promise.resolve().then(function(){return ${FN}(`, right: ')})' };
    },
    async generateBundle(options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      for (const c of chunks) c.code = c.code.replace(MAP_COMMENT, '');
      const start = chunks.find((c) => c.isEntry);
      const engine = chunks.find((c) => c.isDynamicEntry && c.facadeModuleId === engineId);
      if (!start || !engine || chunks.length !== 2)
        throw new Error(
          `lazy-engine: expected the start and the engine chunk, got ${chunks.map((c) => c.fileName)}`,
        );
      // What the start exports to the engine (local as exported) and what the engine imports (exported as local).
      const exported = cut(start.code, /^export \{([^}]*)\};$/m, 'export statement of the start');
      const imported = cut(
        engine.code,
        new RegExp(`^import \\{([^}]*)\\} from '\\./${start.fileName.replace(/\./g, '\\.')}';$`, 'm'),
        'import of the start in the engine',
      );
      const returned = cut(engine.code, /^export \{([^}]*)\};$/m, 'export statement of the engine');
      if (/^(import|export)\b/m.test(start.code.replace(exported[0], '')))
        throw new Error('lazy-engine: the start has another import or export');
      checkNoCapture((code) => this.parse(code), start.code, engine.code);
      const local = new Map(specifiers(exported[1]).map(([l, e]) => [e, l]));
      const params = specifiers(imported[1]).map(([e, l]) => {
        if (!local.has(e)) throw new Error(`lazy-engine: the start does not export "${e}"`);
        return [l, local.get(e)];
      });
      const result = specifiers(returned[1]).map(([l, e]) => `${e}: ${l}`);
      const range = (m) => [m.index, m.index + m[0].length];
      const joined = join(
        [
          "(function () {\n'use strict';",
          { code: start.code, map: start.map, drop: [range(exported)] },
          `function ${FN}() {\nreturn (function (${params.map(([l]) => l).join(', ')}) {`,
          { code: engine.code, map: engine.map, drop: [range(imported), range(returned)] },
          `return { ${result.join(', ')} };\n})(${params.map(([, s]) => s).join(', ')});\n}\n})();`,
        ],
        start.fileName,
      );
      const min = await minify(
        { [start.fileName]: joined.code },
        { ...terser, sourceMap: { content: joined.map, url: `${basename(start.fileName)}.map` } },
      );
      const map = typeof min.map === 'string' ? JSON.parse(min.map) : min.map;
      delete bundle[engine.fileName];
      delete bundle[`${engine.fileName}.map`];
      start.code = `${min.code.replace(MAP_COMMENT, '')}\n//# sourceMappingURL=${basename(start.fileName)}.map\n`;
      const mapAsset = bundle[`${start.fileName}.map`];
      if (mapAsset?.type !== 'asset') throw new Error('lazy-engine: the build must write a sourcemap file');
      mapAsset.source = JSON.stringify({ ...map, file: basename(start.fileName) });
      start.map = null;
    },
  };
}
