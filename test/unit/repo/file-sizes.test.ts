/**
 * No file over 450 lines in src/, worker/, scripts/, eval/ or demo/ (the aim is 400: a file that
 * grows past it is split by what it does). Every file counts, whatever its kind; folders that hold
 * built or installed files (dist, node_modules) are not looked into.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const FOLDERS = ['src', 'worker', 'scripts', 'eval', 'demo'];
const MAX_LINES = 450;
const SKIP = new Set(['node_modules', 'dist']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : files(p);
    return e.isFile() ? [p] : [];
  });
}

/** Lines as `wc -l` counts them, plus a last line that has no newline. */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

const sizes = FOLDERS.flatMap((folder) => files(join(root, folder))).map((file) => ({
  file: relative(root, file),
  lines: lineCount(file),
}));

describe('file sizes', () => {
  it('counts the files of every folder (the scan itself works)', () => {
    for (const folder of FOLDERS) expect(sizes.some((s) => s.file.startsWith(`${folder}/`))).toBe(true);
    expect(sizes.find((s) => s.file === 'scripts/lib.mjs')?.lines).toBeGreaterThan(10);
  });

  it(`has no file over ${MAX_LINES} lines in ${FOLDERS.join('/, ')}/`, () => {
    const over = sizes
      .filter((s) => s.lines > MAX_LINES)
      .sort((a, b) => b.lines - a.lines)
      .map((s) => `${s.file} (${s.lines} lines)`);
    expect(over, `files over ${MAX_LINES} lines, to split:\n  ${over.join('\n  ')}`).toEqual([]);
  });
});
