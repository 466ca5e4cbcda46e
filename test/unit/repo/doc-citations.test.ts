/**
 * The project's docs are the source of truth, and the code cites them by name: every citation such
 * as `PRIVACY.md "Budget"` in src/, worker/, scripts/, eval/, demo/, test/, examples/, the packages'
 * bins or the root config files must name an existing document and, when it quotes a section, a
 * heading of that file. A bare name is a file in docs/ (README.md and CONTRIBUTING.md: the repo root);
 * a package's README is cited by its path, `packages/edseg/README.md "API"`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const FOLDERS = ['src', 'worker', 'scripts', 'eval', 'demo', 'test', 'examples', 'packages/server/bin'];
const CODE = /\.(ts|js|mjs|jsx|html|css)$/;
const CITATION = /\b(?:(docs|packages\/edseg|packages\/server)\/)?\b([A-Z][A-Z-]+)\.md\b(?:,? ?"([^"]+)")?/g;
/** A quoted section after a bare README, with no path: which README is meant cannot be checked. */
const BARE_README = /\bREADME(?!\.md)(?:'s)?,? ?"/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(p).isDirectory() ? files(p) : CODE.test(name) ? [p] : [];
  });
}

const sources = [
  ...FOLDERS.flatMap((folder) => files(join(root, folder))),
  ...readdirSync(root)
    .filter((name) => CODE.test(name))
    .map((name) => join(root, name)),
];

const citations = sources.flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(CITATION)].map((m) => ({
    where: relative(root, file),
    folder: m[1],
    doc: `${m[2]}.md`,
    // a quoted section may wrap onto the next comment line
    section: m[3]?.replace(/\s*\n\s*(\*|\/\/)?\s*/g, ' '),
  })),
);

/** Where a cited document lives: its folder when named; else README.md and CONTRIBUTING.md at the root, every other one in docs/. */
const pathOf = (c: { folder?: string; doc: string }): string =>
  c.folder !== undefined
    ? join(root, c.folder, c.doc)
    : ['README.md', 'CONTRIBUTING.md'].includes(c.doc)
      ? join(root, c.doc)
      : join(root, 'docs', c.doc);

const headings = (path: string): string[] =>
  readFileSync(path, 'utf8')
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

  it('finds citations of the package READMEs by their path', () => {
    expect(citations.some((c) => c.folder === 'packages/edseg' && c.doc === 'README.md')).toBe(true);
    expect(citations.some((c) => c.folder === 'packages/server' && c.doc === 'README.md')).toBe(true);
  });

  it('resolves every cited document to a file (docs/, the repo root, or the folder it names)', () => {
    const missing = citations.filter((c) => !existsSync(pathOf(c)));
    expect(missing).toEqual([]);
  });

  it('names the README of every cited README section by its path', () => {
    const bare = sources.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(BARE_README)].map(
        (m) => `${relative(root, file)}: ${text.slice(Math.max(0, m.index - 30), m.index + 30)}`,
      );
    });
    expect(bare).toEqual([]);
  });

  it('resolves every cited section to a heading of its document', () => {
    const unresolved = citations.filter(
      (c) =>
        c.section !== undefined &&
        existsSync(pathOf(c)) &&
        !headings(pathOf(c)).some((h) => h.includes(c.section!.toLowerCase())),
    );
    expect(unresolved).toEqual([]);
  });

  it('cites only source files that exist (src/ and worker/ paths in the code and in docs/)', () => {
    const docs = readdirSync(join(root, 'docs'))
      .filter((n) => n.endsWith('.md'))
      .map((n) => join(root, 'docs', n));
    const PATH = /(?<![\w./-])((?:src|worker)\/[\w./-]+\.(?:ts|mjs|js))\b/g;
    const stale = [...sources, ...docs].flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(PATH)]
        .filter((m) => !existsSync(join(root, m[1]!)))
        .map((m) => `${relative(root, file)}: ${m[1]}`),
    );
    expect(stale).toEqual([]);
  });
});
