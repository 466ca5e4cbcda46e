/**
 * The evaluation's command line (eval/run.ts): where it looks for the OULAD data by default, and
 * that a missing data folder is one clear line and exit code 1, not a stack trace.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDataDir, main, REPO_ROOT, type Io } from '../../../eval/run.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

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

  it('--json-out into a folder that does not exist: one line naming it, before any work', async () => {
    const io = capture();
    expect(await main(['--data', '/nonexistent', '--json-out', '/nonexistent-dir/e.json'], io)).toBe(1);
    expect(io.lines).toEqual([
      expect.stringMatching(/--json-out: the folder \/nonexistent-dir does not exist/),
    ]);
    expect(io.text()).toBe('');
  });

  it('`npm run -s evaluate -- --help` (the documented form for --json) prints no npm banner on stdout', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'evaluate', '--', '--help'], {
      cwd: repo,
    });
    expect(stdout).toMatch(/^usage: npm run evaluate -- /);
  }, 60_000);

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

  // The whole command on one module (AAA: two presentations, so Part C trains on 2013J and tests on
  // 2014J), R = 1: what CI runs on the OULAD copy beside the repository, in well under 2 minutes.
  const data = process.env['OULAD_DIR'] ?? defaultDataDir();
  // Only a contributor's machine without the data may skip; in CI the copy is required.
  if (!existsSync(join(data, 'studentVle.csv')) && process.env['CI'])
    throw new Error(`CI needs the OULAD copy at ${data} (set OULAD_DIR)`);
  const out = mkdtempSync(join(tmpdir(), 'edseg-eval-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it.skipIf(!existsSync(join(data, 'studentVle.csv')))(
    'on one module: --json is one object with predictive [{ module, trainPresentations, testPresentation, auc }], tables and charts in --out',
    async () => {
      const io = capture();
      const t0 = performance.now();
      expect(
        await main(
          [
            '--data',
            data,
            '--modules',
            'AAA',
            '--reps',
            '1',
            '--json',
            '--out',
            out,
            '--json-out',
            join(out, 'eval.json'),
          ],
          io,
        ),
      ).toBe(0);
      // --json-out: the same object in a file, for a caller whose stdout is shared (npm run's banner)
      expect(readFileSync(join(out, 'eval.json'), 'utf8')).toBe(io.text());
      expect(performance.now() - t0).toBeLessThan(120_000);
      const body = JSON.parse(io.text()) as {
        runs: string[];
        predictive: {
          module: string;
          trainPresentations: string[];
          testPresentation: string;
          pooledPresentations: string[];
          auc: number;
          baselineAuc: number;
          prAuc: number;
          brier: number;
          recallAt20: number;
          aucCi: [number, number];
          prAucCi: [number, number];
          brierCi: [number, number];
          recallAt20Ci: [number, number];
          model: string;
          aucGain: { diff: number; se: number };
          scoreFeatures: {
            model: string;
            without: { candidate: string; cvAuc: number; auc: number };
            with: { candidate: string; cvAuc: number; auc: number };
          }[];
          models: {
            model: string;
            onDevice: boolean;
            auc: number;
            aucCi: [number, number];
            candidate: string;
            cvAuc: number;
          }[];
          manifestBytes: { mlp: number; softmax: number };
          cv: { candidate: string; auc: number; se: number; inputs: number }[];
          ldp: { epsilon: number; reps: number; trueSegmentShare: number; meanEstimate: number }[];
        }[];
        tables: string;
      };
      expect(body.runs).toEqual(['AAA-2013J', 'AAA-2014J']);
      expect(body.predictive).toHaveLength(1);
      const [aaa] = body.predictive;
      expect(aaa).toMatchObject({ module: 'AAA', trainPresentations: ['2013J'], testPresentation: '2014J' });
      // held out on a later presentation: clearly better than chance; against the plain baseline, the
      // paired difference and its bootstrap SE (without score features it does not beat it: EVALUATION.md)
      expect(aaa!.auc).toBeGreaterThan(0.65);
      expect(aaa!.aucGain.diff).toBeCloseTo(aaa!.auc - aaa!.baselineAuc, 12);
      expect(aaa!.aucGain.se).toBeGreaterThan(0);
      // not significantly worse than the baseline (documented: -0.004, SE 0.024)
      expect(aaa!.aucGain.diff).toBeGreaterThan(-2 * aaa!.aucGain.se);
      // the benchmark: every metric with a bootstrap interval around it, for every model
      for (const k of ['auc', 'prAuc', 'brier', 'recallAt20'] as const) {
        const ci = aaa![`${k}Ci`];
        expect(ci[0]).toBeLessThanOrEqual(aaa![k]);
        expect(ci[1]).toBeGreaterThanOrEqual(aaa![k]);
        expect(ci[1]).toBeGreaterThan(ci[0]);
      }
      expect(aaa!.models.map((m) => m.model)).toEqual(['mlp', 'softmax', 'baseline']);
      // the segment is an on-device model, its top-level figures its own
      expect(aaa!.models.find((m) => m.model === aaa!.model)).toMatchObject({
        onDevice: true,
        auc: aaa!.auc,
      });
      expect(aaa!.models[0]!.candidate).toMatch(/^mlp (summary|compact|halves) /);
      // --modules AAA: no other module's presentation to pool, so no pooled candidate
      expect(aaa!.pooledPresentations).toEqual([]);
      // every candidate cross-validated (3 x 5-fold) in training, none reading a score; each kind's
      // chosen one is within one SE of its best there, and no candidate of it within one SE is simpler
      expect(aaa!.cv).toHaveLength(21);
      expect(aaa!.cv.some((c) => c.candidate.includes(' pooled') || c.candidate.includes('+score'))).toBe(
        false,
      );
      const hiddenUnits = (name: string) =>
        (name.match(/ (\d+(?:x\d+)?) /)?.[1] ?? '0').split('x').reduce((a, b) => a + Number(b), 0);
      for (const m of aaa!.models.slice(0, 2)) {
        const mine = aaa!.cv.filter((c) => c.candidate.startsWith(`${m.model} `));
        const top = mine.reduce((a, b) => (b.auc > a.auc ? b : a));
        const pick = mine.find((c) => c.candidate === m.candidate)!;
        expect(pick.auc).toBeGreaterThanOrEqual(top.auc - top.se);
        for (const c of mine.filter((c) => c.auc >= top.auc - top.se)) {
          const [hc, hp] = [hiddenUnits(c.candidate), hiddenUnits(pick.candidate)];
          expect(hc > hp || (hc === hp && c.inputs >= pick.inputs)).toBe(true);
        }
      }
      // the segment is the mlp only when it beats the simpler softmax's CV AUC by more than that one's SE
      const [mlp, soft] = [aaa!.models[0]!, aaa!.cv.find((c) => c.candidate === aaa!.models[1]!.candidate)!];
      expect(aaa!.model).toBe(mlp.cvAuc > soft.auc + soft.se ? 'mlp' : 'softmax');
      // each chosen candidate beside its twin with the mean score, cross-validated and tested
      expect(aaa!.scoreFeatures.map((s) => [s.model, s.without.candidate, s.with.candidate])).toEqual(
        aaa!.models
          .slice(0, 2)
          .map((m) => [m.model, m.candidate, m.candidate.replace(/^(\w+ \w+)/, '$1+score')]),
      );
      for (const s of aaa!.scoreFeatures) expect(s.with.cvAuc).toBeGreaterThan(0.6);
      expect(body.tables).toMatch(/### C4\. Score features/);
      expect(aaa!.manifestBytes.mlp).toBeGreaterThan(500);
      expect(aaa!.manifestBytes.softmax).toBeGreaterThan(500);
      // the at-risk share from one ldp report per test learner, at epsilon 0.5, 1, 2 (R = --reps)
      expect(aaa!.ldp.map((l) => [l.epsilon, l.reps])).toEqual([
        [0.5, 1],
        [1, 1],
        [2, 1],
      ]);
      expect(aaa!.ldp[2]!.meanEstimate).toBeGreaterThan(aaa!.ldp[2]!.trueSegmentShare - 0.15);
      expect(aaa!.ldp[2]!.meanEstimate).toBeLessThan(aaa!.ldp[2]!.trueSegmentShare + 0.15);
      expect(body.tables).toMatch(/### C3\. The at-risk share from LDP reports/);
      expect(aaa!.models.find((m) => m.model === 'baseline')!.auc).toBe(aaa!.baselineAuc);
      expect(body.tables).toMatch(/### C2\. Early-warning benchmark/);
      expect(readFileSync(join(out, 'calibration-AAA.svg'), 'utf8')).toMatch(/^<(svg|figure)/);
      expect(body.tables).toMatch(/## Part C: predictive at-risk segment/);
      expect(readFileSync(join(out, 'evaluation.md'), 'utf8')).toMatch(/\| AAA \| 2013J \| 2014J \|/);
      expect(readFileSync(join(out, 'roc-AAA.svg'), 'utf8')).toMatch(/^<(svg|figure)/);
      expect(io.lines.some((l) => l.includes('part C: AAA'))).toBe(true); // progress on stderr
    },
    180_000,
  );

  // Issue 20: the learner CSVs of the console's fit and train pages, without the evaluation's parts.
  it.skipIf(!existsSync(join(data, 'studentVle.csv')))(
    '--learners-out writes features-day28.csv (2,246 learners) and labelled-day28.csv with final_result',
    async () => {
      const io = capture();
      const dir = join(out, 'learners');
      expect(await main(['--data', data, '--learners-out', dir], io)).toBe(0);
      expect(io.text()).toBe(''); // no tables: the parts did not run
      const features = readFileSync(join(dir, 'features-day28.csv'), 'utf8').trimEnd().split('\n');
      const labelled = readFileSync(join(dir, 'labelled-day28.csv'), 'utf8').trimEnd().split('\n');
      const columns =
        'learner,lessons_7d,practice_minutes_14d,active_days_14d,days_since_active,quiz_accuracy_14d,hint_rate_14d,quiz_answers_14d';
      expect(features[0]).toBe(columns);
      expect(labelled[0]).toBe(`${columns},final_result`);
      expect(features.length - 1).toBe(2246); // the file: 2,246 learners, 78 KB
      expect(labelled.length).toBe(features.length);
      // the same rows, each with its outcome appended
      for (let i = 1; i < features.length; i += 97)
        expect(labelled[i]).toMatch(
          new RegExp(`^${features[i]!.replace(/\./g, '\\.')},(Distinction|Pass|Fail|Withdrawn)$`),
        );
      expect(readFileSync(join(dir, 'seed-manifest.json'), 'utf8')).toMatch(/"lingua-kids"/);
      expect(await main(['--data', data, '--learners-out', dir, '--day', 'soon'], capture())).toBe(1);
    },
    120_000,
  );
});
