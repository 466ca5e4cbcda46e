/**
 * The evaluation's command line (eval/run.ts): where it looks for the OULAD data by default, and
 * that a missing data folder is one clear line and exit code 1, not a stack trace.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, main, REPO_ROOT, type Io } from '../../eval/run.js';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** main's output, collected. */
function capture(): Io & { text: () => string; lines: string[] } {
  const chunks: string[] = [];
  const lines: string[] = [];
  return { out: (t) => chunks.push(t), err: (l) => lines.push(l), text: () => chunks.join(''), lines };
}

describe('eval/run.ts', () => {
  it('resolves the default data folder to <repo>/../shared/data/oulad', () => {
    expect(REPO_ROOT).toBe(repo);
    expect(defaultDataDir()).toBe(resolve(repo, '..', 'shared', 'data', 'oulad'));
    expect(defaultDataDir('/some/checkout')).toBe(resolve('/some/checkout/../shared/data/oulad'));
  });

  it('exits 1 with one line naming the folder when the data folder is missing', async () => {
    const io = capture();
    expect(await main(['--data', '/nonexistent'], io)).toBe(1);
    expect(io.lines).toHaveLength(1);
    expect(io.lines[0]).toContain('/nonexistent');
    expect(io.text()).toBe('');
  });

  it('exits 1 with one line on an unknown option, and 0 with the usage on --help', async () => {
    const bad = capture();
    expect(await main(['--nope'], bad)).toBe(1);
    expect(bad.lines).toHaveLength(1);
    const help = capture();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.text()).toMatch(/^usage: npm run evaluate -- .*--data DIR/);
  });

  it('as a process: `tsx eval/run.ts --data /nonexistent` prints one line to stderr and exits 1', async () => {
    const tsx = resolve(repo, 'node_modules/tsx/dist/cli.mjs');
    const failure = await promisify(execFile)(
      process.execPath,
      [tsx, 'eval/run.ts', '--data', '/nonexistent'],
      {
        cwd: repo,
      },
    ).then(
      () => null,
      (e: { code?: number; stdout?: string; stderr?: string }) => e,
    );
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect(failure?.stderr?.trim().split('\n')).toEqual([expect.stringContaining('/nonexistent')]);
  }, 60_000);
});
