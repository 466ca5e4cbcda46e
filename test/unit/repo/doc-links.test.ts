/**
 * The Markdown documents link to each other (the three READMEs, CONTRIBUTING.md and docs/): every
 * relative link must reach a file or folder of the repo and, with a #fragment into a Markdown file, one
 * of its headings (GitHub's anchor for it). Links to other sites are not fetched.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

const documents = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('examples/'));

/** The document without its fenced code blocks (a link there is code, not a link). */
const prose = (file: string): string =>
  readFileSync(join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(file).split('\n')) {
    const heading = line.match(/^#{1,6}\s+(.*)$/)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

const links = documents.flatMap((file) =>
  [...prose(file).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => {
      const [path, fragment] = target.split('#') as [string, string | undefined];
      const to = path === '' ? file : relative(root, join(root, dirname(file), path));
      return { file, target, to, fragment };
    }),
);

describe('links between the Markdown documents', () => {
  it('finds the links (the scan itself works)', () => {
    expect(documents).toContain('packages/edseg/README.md');
    expect(links.some((l) => l.file === 'README.md' && l.to === 'packages/edseg/README.md')).toBe(true);
    expect(anchors('docs/ARCHITECTURE.md')).toContain(
      'layout-one-line-per-folder-what-it-holds-and-what-it-may-import',
    );
  });

  it('reach a file or folder of the repo', () => {
    expect(links.filter((l) => !existsSync(join(root, l.to))).map((l) => `${l.file}: ${l.target}`)).toEqual(
      [],
    );
  });

  it('reach a heading of the Markdown file they point into', () => {
    const broken = links.filter(
      (l) =>
        l.fragment !== undefined &&
        l.to.endsWith('.md') &&
        existsSync(join(root, l.to)) &&
        !anchors(l.to).has(l.fragment),
    );
    expect(broken.map((l) => `${l.file}: ${l.target}`)).toEqual([]);
  });
});
