// What each part of a bundle costs: the minified bytes its sourcemap attributes to each source,
// grouped by npm package (node_modules/<name>) or by the repository's folder (src/core/schema,
// worker, ...), largest first. `npm run size` prints it for the worker and the script tag; an
// estimate of each part's gzip share is its minified share of the whole file's gzip size.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';

/** The group a source path belongs to: its npm package, or its folder in the repository. */
export function groupOf(source) {
  const path = source.replace(/\\/g, '/');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const parts = path.replace(/^(\.\.\/)+/, '').split('/');
  return parts.length > 1 ? parts.slice(0, -1).join('/') : parts[0];
}

/**
 * Minified bytes per group of `file` (with `file.map` beside it): every generated segment, from one
 * mapping to the next on its line, counts for the source of its mapping; what no mapping covers
 * (rollup's wrapper, white space) is "(unmapped)".
 */
export function breakdown(file, group = groupOf) {
  const code = readFileSync(file, 'utf8');
  const map = new SourceMapConsumer(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  const lines = code.split('\n');
  const byLine = lines.map(() => []);
  map.eachMapping((m) => byLine[m.generatedLine - 1]?.push(m));
  const sizes = new Map();
  const add = (group, n) => n > 0 && sizes.set(group, (sizes.get(group) ?? 0) + n);
  lines.forEach((line, i) => {
    const ms = byLine[i].sort((a, b) => a.generatedColumn - b.generatedColumn);
    add('(unmapped)', (ms[0]?.generatedColumn ?? line.length) + 1);
    ms.forEach((m, j) => {
      const end = j + 1 < ms.length ? ms[j + 1].generatedColumn : line.length;
      add(m.source ? group(m.source) : '(unmapped)', end - m.generatedColumn);
    });
  });
  return [...sizes.entries()].sort((a, b) => b[1] - a[1]);
}

/** A source as its module: the path in its package or in the repository (`moduleOf` groups by file). */
export function moduleOf(source) {
  const path = source.replace(/\\/g, '/');
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : path.replace(/^(\.\.\/)+/, '');
}

/** The breakdown as lines: group (or module, with `group` moduleOf), minified bytes, share, estimated gzip bytes. */
export function breakdownRows(file, gzipBytes, top = 14, group = groupOf) {
  const parts = breakdown(file, group);
  const total = parts.reduce((s, [, n]) => s + n, 0);
  const shown = parts.slice(0, top);
  const rest = parts.slice(top).reduce((s, [, n]) => s + n, 0);
  if (rest > 0) shown.push([`(${parts.length - top} more)`, rest]);
  return shown.map(
    ([group, n]) =>
      `  ${group.padEnd(40)} ${String(n).padStart(8)} B min  ${((100 * n) / total).toFixed(1).padStart(5)}%  ~${String(Math.round((gzipBytes * n) / total)).padStart(6)} B gz`,
  );
}

// `node scripts/size-breakdown.mjs dist/edseg.worker.js [top]`: the largest modules of a built bundle (30
// unless told), where to look for bytes module by module (issue 24).
if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '30'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/size-breakdown.mjs <bundle with its .map beside it> [top]');
    process.exit(1);
  }
  const gz = gzipSync(readFileSync(file), { level: 9 }).length;
  console.log(`${file}: ${gz} B gz, its ${top} largest modules`);
  console.log(breakdownRows(file, gz, Number(top), moduleOf).join('\n'));
}
