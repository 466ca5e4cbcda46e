/**
 * The SDK's README (packages/edseg/README.md, the edseg package's npm page) documents every name of
 * docs/ARCHITECTURE.md's public API: the createSegmenter options, each Segmenter member, the events
 * and the script tag's data-* attributes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The "## Public API" section of ARCHITECTURE.md, up to the next "## " heading. */
function publicApiSection(): string {
  const text = read('docs/ARCHITECTURE.md');
  const start = text.indexOf('\n## Public API');
  if (start < 0) throw new Error('ARCHITECTURE.md has no "## Public API" section');
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const section = publicApiSection();
const code = section.match(/```ts\n([\s\S]*?)```/)?.[1] ?? '';
const options = [
  ...(code.match(/createSegmenter\(\{([\s\S]*?)\}\);/)?.[1] ?? '').matchAll(/^\s+(\w+)\??:/gm),
].map((m) => m[1]!);
const members = [...new Set([...code.matchAll(/^seg\.(\w+)/gm)].map((m) => m[1]!))];
const events = [...new Set([...code.matchAll(/seg\.on\('(\w+)'/g)].map((m) => m[1]!))];
const attributes = [...new Set([...section.matchAll(/\b(data-\w+)=/g)].map((m) => m[1]!))];
const readme = read('packages/edseg/README.md');
/** Named as code: `name` or `name(…)`. */
const documents = (name: string) => readme.includes(`\`${name}\``) || readme.includes(`\`${name}(`);

describe('packages/edseg/README.md documents the public API of ARCHITECTURE.md', () => {
  it('reads the contract (the parse itself works)', () => {
    expect(options).toContain('site');
    expect(options).toContain('maxEpsilonWindow');
    expect(members).toContain('track');
    expect(members).toContain('ready');
    expect(events).toEqual(['segments', 'error']);
    expect(attributes).toEqual(['data-site', 'data-manifest', 'data-collector', 'data-key', 'data-activate']);
  });

  it('names createSegmenter and every option', () => {
    const missing = ['createSegmenter', ...options].filter((n) => !documents(n));
    expect(missing).toEqual([]);
  });

  it('names every Segmenter member and event', () => {
    expect(members.filter((n) => !documents(n))).toEqual([]);
    expect(events.filter((e) => !readme.includes(`on('${e}'`))).toEqual([]);
  });

  it("names every script tag attribute in the tag's table", () => {
    expect(attributes.filter((a) => !readme.includes(`| \`${a}\` |`))).toEqual([]);
  });
});
