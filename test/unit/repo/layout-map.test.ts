/**
 * One map of the code: docs/ARCHITECTURE.md's Layout block names every folder of src/ and worker/ on
 * a line of its own, and names nothing that does not exist. A folder added, moved or removed without
 * its line fails here.
 *
 * The block: a name column (a top-level path such as `src/core/`, or a name indented under the entry
 * above it, such as `  schema/` under `src/core/`), then a description column; lines indented to the
 * description column continue the description. `(files)` stands for the loose files of the folder above.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const SCANNED = ['src', 'worker'];

/** The lines of the first code block after the heading that starts with "## Layout". */
function layoutBlock(markdown: string): string[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((l) => l.startsWith('## Layout'));
  if (heading < 0) throw new Error('no "## Layout" heading');
  const open = lines.findIndex((l, i) => i > heading && l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  if (open < 0 || close < 0) throw new Error('no code block under "## Layout"');
  return lines.slice(open + 1, close);
}

/** Every path the block names, in order (a folder ends with '/'), repeats included. */
function namedPaths(block: string[]): string[] {
  const first = block.find((l) => l.trim() !== '');
  const column = first?.match(/^\S+\s+/)?.[0].length;
  if (column === undefined) throw new Error('the Layout block has no "name  description" line');
  const parents: { indent: number; path: string }[] = [];
  const paths: string[] = [];
  for (const line of block) {
    const indent = line.length - line.trimStart().length;
    if (line.trim() === '' || indent >= column) continue; // a continuation of the description
    const name = line.trim().split(/\s+/)[0]!;
    while (parents.length && parents[parents.length - 1]!.indent >= indent) parents.pop();
    const parent = parents[parents.length - 1];
    if (indent > 0 && !parent) throw new Error(`"${name}" is indented under nothing`);
    if (name === '(files)') continue;
    const path = (parent?.path ?? '') + name;
    paths.push(path);
    parents.push({ indent, path });
  }
  return paths;
}

/** Whether a folder holds a file at any depth (git keeps no empty folder). */
const holdsFiles = (dir: string): boolean =>
  readdirSync(dir).some((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? holdsFiles(p) : true;
  });

/** Every folder under `dir` (relative to the repo root, ending with '/'), at any depth. */
function foldersUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    const abs = join(root, rel);
    return statSync(abs).isDirectory() && holdsFiles(abs) ? [`${rel}/`, ...foldersUnder(rel)] : [];
  });
}

const named = namedPaths(layoutBlock(readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8')));
const onDisk = ['worker/', ...SCANNED.flatMap(foldersUnder)].sort();

describe('ARCHITECTURE.md "Layout": the one map of src/ and worker/', () => {
  it('reads the block (the parser itself works)', () => {
    expect(named).toContain('src/core/');
    expect(named).toContain('src/core/schema/');
    expect(named).toContain('worker/');
    expect(
      namedPaths([
        'a/      one',
        '        more about a',
        '  b/    under a',
        '    c/  under a/b',
        '  (files)',
        'd.ts    a file',
      ]),
    ).toEqual(['a/', 'a/b/', 'a/b/c/', 'd.ts']);
  });

  it('names every folder of src/ and worker/ that exists', () => {
    expect(onDisk.filter((f) => !named.includes(f))).toEqual([]);
  });

  it('names no folder or file that does not exist', () => {
    expect(named.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('names each folder once', () => {
    expect(named.filter((p, i) => named.indexOf(p) !== i)).toEqual([]);
  });
});
