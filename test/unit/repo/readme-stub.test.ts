/**
 * The queue stub the READMEs tell embedders to paste (packages/edseg/README.md "Script tag", and the
 * root README.md's example) is there and works: run as a page would, it queues each call as the
 * `[method, args, resolve?, reject?]` entry src/client/script.ts replays, and its setConsent returns a
 * promise the replay settles. (The old README announced the stub and then showed none.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

/** The body of the first inline <script> in an html block of `file` that defines the stub. */
function stubOf(file: string): string {
  const markdown = readFileSync(join(root, file), 'utf8');
  for (const [, html] of markdown.matchAll(/```html\n([\s\S]*?)```/g))
    for (const [, body] of html!.matchAll(/<script>([\s\S]*?)<\/script>/g))
      if (body!.includes('window.edseg = window.edseg ||')) return body!;
  throw new Error(`${file}: no queue stub (a <script> defining window.edseg = window.edseg || …)`);
}

type Stub = {
  q: unknown[][];
  track(...a: unknown[]): void;
  declare(...a: unknown[]): void;
  setConsent(...a: unknown[]): unknown;
  on(...a: unknown[]): void;
};

describe.each(['packages/edseg/README.md', 'README.md'])('the queue stub of %s', (file) => {
  it('queues track, declare, on and setConsent as script.ts replays them', async () => {
    const window: { edseg?: Stub } = {};
    runInNewContext(stubOf(file), { window });
    const edseg = window.edseg!;
    const listener = () => {};
    edseg.track('lesson_complete', { minutes: 12 });
    edseg.declare({ goal: 'exam' });
    edseg.on('segments', listener);
    const consent = { ageBand: 'teen' };
    const settled = edseg.setConsent(consent);

    expect(edseg.q.map(([method, args]) => [method, args])).toEqual([
      ['track', ['lesson_complete', { minutes: 12 }]],
      ['declare', [{ goal: 'exam' }]],
      ['on', ['segments', listener]],
      ['setConsent', [consent]],
    ]);
    // setConsent's entry carries resolve and reject; the replay settles the promise the page holds.
    const [, , resolve, reject] = edseg.q[3] as [string, unknown[], (v: unknown) => void, unknown];
    expect(typeof resolve).toBe('function');
    expect(typeof reject).toBe('function');
    resolve(undefined);
    await expect(settled).resolves.toBeUndefined();
  });

  it('leaves an SDK that already loaded alone', () => {
    const loaded = { q: [], loaded: true };
    const window = { edseg: loaded };
    runInNewContext(stubOf(file), { window });
    expect(window.edseg).toBe(loaded);
  });
});

it('the package README shows the stub right after "replayed in order:"', () => {
  const text = readFileSync(join(root, 'packages/edseg/README.md'), 'utf8');
  const at = text.indexOf('replayed in order:');
  expect(at).toBeGreaterThan(0);
  expect(text.slice(at).split('\n').slice(1, 5).join('\n')).toMatch(
    /^\n```html\n<script>\n\s*window\.edseg = window\.edseg \|\|/,
  );
});

it('the two READMEs show the same stub', () => {
  expect(stubOf('README.md')).toBe(stubOf('packages/edseg/README.md'));
});
