/**
 * The project's docs are the source of truth, and the code cites them by name: every citation such
 * as `PRIVACY.md "Budget"` in src/, worker/, scripts/, eval/ or demo/ must name a file in docs/ and,
 * when it quotes a section, a heading of that file.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const FOLDERS = ['src', 'worker', 'scripts', 'eval', 'demo'];
const CITATION = /\b([A-Z][A-Z-]+)\.md\b(?:,? ?"([^"]+)")?/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|js|mjs|html|css)$/.test(name) ? [p] : [];
  });
}

const citations = FOLDERS.flatMap((folder) => files(join(root, folder))).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(CITATION)].map((m) => ({
    where: relative(root, file),
    doc: `${m[1]}.md`,
    // a quoted section may wrap onto the next comment line
    section: m[2]?.replace(/\s*\n\s*(\*|\/\/)?\s*/g, ' '),
  })),
);

/** Where a cited document lives: README.md at the root of the repo, every other one in docs/. */
const pathOf = (doc: string): string => (doc === 'README.md' ? join(root, doc) : join(root, 'docs', doc));

const headings = (doc: string): string[] =>
  readFileSync(pathOf(doc), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#+\s*/, '').toLowerCase());

describe('citations of the docs', () => {
  it('finds the citations (the scan itself works)', () => {
    expect(citations.length).toBeGreaterThan(20);
    expect(citations.some((c) => c.doc === 'PRIVACY.md' && c.section === 'Budget')).toBe(true);
  });

  it.each(['ARCHITECTURE.md', 'PRIVACY.md', 'COMPLIANCE.md', 'SERVER.md'])('docs/%s exists', (doc) => {
    expect(existsSync(join(root, 'docs', doc))).toBe(true);
  });

  it('resolves every cited document to a file in docs/ (README.md: the repo root)', () => {
    const missing = citations.filter((c) => !existsSync(pathOf(c.doc)));
    expect(missing).toEqual([]);
  });

  it('resolves every cited section to a heading of its document', () => {
    const unresolved = citations.filter(
      (c) =>
        c.section !== undefined &&
        existsSync(pathOf(c.doc)) &&
        !headings(c.doc).some((h) => h.includes(c.section!.toLowerCase())),
    );
    expect(unresolved).toEqual([]);
  });
});
