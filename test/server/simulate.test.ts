/**
 * `edseg-admin simulate` against a running server: what it says it got accepted is what the server
 * stored, --json is one object, the same seed sends the same reports (kept once), the learners'
 * segments differ, and a bad site or count fails with one line and exit 1.
 */
import { describe, expect, it } from 'vitest';
import { runAdminCli } from '../../src/server/admin-cli/main.js';
import type { SimulateResult } from '../../src/server/admin-cli/commands/simulate.js';
import { useRunningServer } from './helpers.js';

const TOKEN = 'simulate-test-token-0123456789';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCli(
    ['--server', server.url, '--token', TOKEN, ...argv],
    {},
    {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const server = useRunningServer('edseg-simulate-', { adminToken: TOKEN });

/** 130 learners over 2 periods with seed 7, as JSON. */
const seeded = () =>
  cli(['simulate', '--site', 'lingua-kids', '--learners', '130', '--periods', '2', '--seed', '7', '--json']);

describe('edseg-admin simulate', () => {
  let first: SimulateResult;

  it('sends the learners’ reports for P periods; accepted equals what the server stored (--json: one object)', async () => {
    const r = await seeded();
    expect(r.code).toBe(0);
    first = JSON.parse(r.out) as SimulateResult;
    expect(first).toMatchObject({
      site: 'lingua-kids',
      learners: 130,
      periods: 2,
      seed: 7,
      duplicates: 0,
      refused: {},
      retried: 0,
    });
    // every learner's consent in the mix allows analytics: one report each per period, 2 batches a period
    expect(first.reports).toBe(260);
    expect(first.batches).toBe(4);
    expect(first.accepted).toBe(260);
    expect(first.seconds).toBeGreaterThan(0);
    expect(await server.store.countReports('lingua-kids')).toBe(first.accepted);
    // progress went to stderr, never into the JSON
    expect(r.err).toMatch(/^simulate: 130 learners, 2 period\(s\)/);
    expect(r.err).toMatch(/accepted so far 260/);
  });

  it('reports two periods, under the current version, with segments that differ between learners', async () => {
    const v = (await server.store.currentVersion('lingua-kids'))!;
    const reports = await server.store.listReports('lingua-kids', v.version);
    const periods = [...new Set(reports.map((r) => r.period))].sort();
    expect(periods).toHaveLength(2);
    expect(periods[1]! - periods[0]!).toBe(v.manifest.reporting.periodDays);
    const paceInClear = reports.flatMap((r) =>
      r.segments.flatMap((f) => (f.model === 'pace' && f.channel === 'clear' ? [f.segment] : [])),
    );
    expect(paceInClear.length).toBeGreaterThan(50);
    expect(new Set(paceInClear).size).toBeGreaterThanOrEqual(3);
    expect(reports.every((r) => r.features !== undefined)).toBe(true);
  });

  it('the same seed sends the same reports again: the server keeps them once', async () => {
    const r = await seeded();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ accepted: 0, duplicates: 260 });
    expect(await server.store.countReports('lingua-kids')).toBe(260);
  });

  it('prints a line for a person without --json', async () => {
    const r = await cli(['simulate', '--site', 'lingua-kids', '--learners', '3', '--seed', '8']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^accepted 3 of 3 reports \(0 duplicates\) in 1 batches/);
  });

  it('a bad --site or --learners fails with one line, exit 1', async () => {
    const bad = await cli(['simulate', '--site', 'no-such-site', '--learners', '10', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe('');
    expect(bad.err.split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/^edseg-admin: .*unknown site/);
    for (const n of ['0', 'many', '1.5', '20000000']) {
      const r = await cli(['simulate', '--site', 'lingua-kids', '--learners', n]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/--learners must be an integer/);
    }
    expect((await cli(['simulate', '--learners', '5'])).err).toMatch(/--site is required/);
    expect(await server.store.countReports('lingua-kids')).toBe(263);
  });
});
