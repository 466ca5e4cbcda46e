/**
 * edseg-admin fit, train and drift end to end (runAdminCli in-process): fit recovers the k and the
 * centres of well-separated blobs and writes its charts and draft model; an event log goes through
 * the SDK's feature code; bad input is one line naming the row and column (exit 1); train's
 * cross-validated AUC on separable data is near 1; a draft reaches the site's working copy through
 * POST /admin/api/sites/:site/drafts; drift answers for a site and 404s an unknown one.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/privacy/random.js';
import { SEED_FEATURES } from '../../src/server/demo/features.js';
import { runCli, useRunningServer } from './helpers.js';

const TOKEN = 'science-cli-token-0123456789';

const cli = runCli;

const server = useRunningServer('edseg-science-cli-', { adminToken: TOKEN });

const TRUTH = [
  [-6, -6],
  [6, -5],
  [0, 6],
];

/** A CSV of 40 learners around each TRUTH centre (sd 0.4), with an id column. */
function blobCsv(): string {
  const rng = seededRandom(11);
  const g = () => Math.sqrt(-2 * Math.log(1 - rng.real())) * Math.cos(2 * Math.PI * rng.real());
  const rows = TRUTH.flatMap((c, b) =>
    Array.from({ length: 40 }, (_, i) => `l${b}-${i},${c[0]! + 0.4 * g()},${c[1]! + 0.4 * g()}`),
  );
  return ['id,a,b', ...rows].join('\n');
}

/** A manifest-like JSON whose features a and b normalise minmax over [-10, 10], i.e. x / 10. */
const MINMAX = {
  features: ['a', 'b'].map((name) => ({
    name,
    kind: 'count',
    events: ['x'],
    windowDays: 7,
    transform: 'none',
    clip: [-10, 10],
    normalisation: { kind: 'minmax' },
    educationRecord: false,
  })),
};

describe('edseg-admin fit', () => {
  it('recovers k = 3 and the centres of well-separated blobs; --json on stdout, charts and model in --out', async () => {
    const csv = join(server.dir, 'blobs.csv');
    writeFileSync(csv, blobCsv());
    const manifest = join(server.dir, 'minmax.json');
    writeFileSync(manifest, JSON.stringify(MINMAX));
    const out = join(server.dir, 'fit-out');
    const r = await cli([
      'fit',
      '--csv',
      csv,
      '--manifest',
      manifest,
      '--k',
      '2..6',
      '--seed',
      '3',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as {
      ks: {
        k: number;
        inertia: number;
        silhouette: number;
        sizes: number[];
        silhouetteMethod: string;
        stability: number;
      }[];
      best: number;
      normalisedBy: string;
      model: { kind: string; centroids: number[][]; segments: { documentation: { validation: string } }[] };
    };
    expect(body.ks.map((k) => k.k)).toEqual([2, 3, 4, 5, 6]);
    expect(body.best).toBe(3);
    expect(body.normalisedBy).toBe('manifest');
    const k3 = body.ks.find((k) => k.k === 3)!;
    expect(k3.sizes.sort()).toEqual([40, 40, 40]);
    expect(k3.silhouetteMethod).toBe('exact');
    expect(k3.stability).toBeCloseTo(1, 6);
    // the elbow: inertia falls steeply up to k = 3, little after
    const inertia = body.ks.map((k) => k.inertia);
    expect(inertia[0]! / inertia[1]!).toBeGreaterThan(5);
    expect(inertia[1]! / inertia[2]!).toBeLessThan(2);
    // centres in normalised space: the truth / 10
    for (const t of TRUTH) {
      const d = Math.min(
        ...body.model.centroids.map((c) => Math.hypot(c[0]! - t[0]! / 10, c[1]! - t[1]! / 10)),
      );
      expect(d).toBeLessThan(0.02);
    }
    expect(body.model.segments[0]!.documentation.validation).toMatch(/adjusted Rand index 1\.000/);
    for (const f of ['elbow.svg', 'silhouette.svg', 'pca.svg', 'profile.svg', 'model.json', 'fit.json'])
      expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'pca.svg'), 'utf8')).toMatch(/^<(svg|figure)/);
    expect(r.err).toMatch(/k = 3: inertia/); // progress on stderr
  });

  it('turns an event log into features with the SDK feature code for a manifest', async () => {
    const day = Date.UTC(2025, 2, 1);
    const lines = ['learner,time,type,props'];
    for (let l = 0; l < 12; l++)
      for (let d = 0; d < (l < 6 ? 12 : 1); d++) {
        const ts = new Date(day - d * 86_400_000).toISOString();
        lines.push(`busy-${l},${ts},lesson_complete,`);
        if (l < 6) lines.push(`busy-${l},${ts},session_start,`);
      }
    const events = join(server.dir, 'events.csv');
    writeFileSync(events, lines.join('\n').replace(/busy-(6|7|8|9|10|11),/g, 'quiet-$1,'));
    const manifest = join(server.dir, 'seed-features.json');
    writeFileSync(manifest, JSON.stringify({ features: SEED_FEATURES }));
    const r = await cli([
      'fit',
      '--events',
      events,
      '--manifest',
      manifest,
      '--features',
      'lessons_7d,active_days_14d',
      '--k',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as {
      ks: { sizes: number[] }[];
      rows: number;
      model: { centroids: number[][] };
    };
    expect(body.rows).toBe(12);
    expect(body.ks[0]!.sizes.sort()).toEqual([6, 6]);
    // the busy learners: 7 lessons in 7 days -> log1p(7)/3 -> 2·0.693 - 1; 12 active days of 14 -> 2·12/14 - 1
    const busy = body.model.centroids.find((c) => c[1]! > 0)!;
    expect(busy[0]).toBeCloseTo((2 * Math.log1p(7)) / 3 - 1, 5);
    expect(busy[1]).toBeCloseTo((2 * 12) / 14 - 1, 5);
  });

  it('bad input is one line naming the row and column, exit 1', async () => {
    const bad = join(server.dir, 'bad.csv');
    writeFileSync(bad, 'id,a,b\n1,0.5,1\n2,x,2\n3,1,1\n');
    const cell = await cli(['fit', '--csv', bad, '--k', '2']);
    expect(cell.code).toBe(1);
    expect(cell.errLines).toEqual([`edseg-admin: ${bad} row 3, column "a": "x" is not a number`]);
    const missing = await cli(['fit', '--csv', bad, '--features', 'a,zz']);
    expect(missing.code).toBe(1);
    expect(missing.errLines).toHaveLength(1);
    expect(missing.err).toMatch(/no feature column "zz" \(columns: id, a, b\)/);
    const few = join(server.dir, 'few.csv');
    writeFileSync(few, 'a,b\n1,2\n3,4\n5,6\n');
    const small = await cli(['fit', '--csv', few, '--k', '2..4']);
    expect(small.code).toBe(1);
    expect(small.err).toMatch(/3 rows, fewer than k = 4/);
    const ragged = join(server.dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const rag = await cli(['fit', '--csv', ragged, '--k', '2']);
    expect(rag.code).toBe(1);
    expect(rag.err).toMatch(/row 3/);
    expect((await cli(['fit', '--csv', bad, '--k', '1..3'])).err).toMatch(/--k must be/);
  });
});

describe('edseg-admin train', () => {
  it('cross-validated AUC near 1 on separable data, with accuracy, confusion matrix and calibration', async () => {
    const rng = seededRandom(21);
    const rows = Array.from({ length: 160 }, (_, i) => {
      const a = rng.real() * 2 - 1;
      const b = rng.real() * 2 - 1;
      return `${i},${a},${b},${a - b > 0 ? 'at_risk' : 'fine'}`;
    });
    const csv = join(server.dir, 'sep.csv');
    writeFileSync(csv, ['id,a,b,outcome', ...rows].join('\n'));
    const out = join(server.dir, 'train-out');
    const r = await cli([
      'train',
      '--csv',
      csv,
      '--label',
      'outcome',
      '--folds',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as {
      classes: string[];
      auc: number[];
      accuracy: number;
      confusion: number[][];
      calibration: { n: number }[];
      model: { kind: string; weights: number[][]; bias: number[]; segments: { id: string }[] };
    };
    expect(body.classes).toEqual(['at_risk', 'fine']);
    expect(body.auc[0]).toBeGreaterThan(0.98);
    expect(body.accuracy).toBeGreaterThan(0.9);
    expect(body.confusion.flat().reduce((s, v) => s + v, 0)).toBe(160);
    expect(body.calibration.reduce((s, b) => s + b.n, 0)).toBe(320); // both classes' probabilities
    expect(body.model).toMatchObject({ kind: 'softmax', segments: [{ id: 'at_risk' }, { id: 'fine' }] });
    expect(body.model.weights).toHaveLength(2);
    expect(existsSync(join(out, 'calibration.svg'))).toBe(true);
    const missing = await cli(['train', '--csv', csv, '--label', 'nope']);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/no label column "nope"/) });
  });

  it('--model mlp: a dense network learns XOR (CV AUC > 0.9) where --model softmax cannot; bad options name the flag', async () => {
    const rng = seededRandom(22);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const a = rng.real() * 2 - 1;
      const b = rng.real() * 2 - 1;
      return `${i},${a},${b},${a * b > 0 ? 'same' : 'differ'}`;
    });
    const csv = join(server.dir, 'xor.csv');
    writeFileSync(csv, ['id,a,b,sign', ...rows].join('\n'));
    const run = async (extra: string[]) => {
      const r = await cli(['train', '--csv', csv, '--label', 'sign', '--l2', '0.001', '--json', ...extra]);
      expect(r.code).toBe(0);
      return JSON.parse(r.out) as {
        kind: string;
        auc: number[];
        manifestBytes: number;
        model: {
          kind: string;
          layers?: { weights: number[][]; bias: number[] }[];
          segments: { documentation: { validation: string } }[];
        };
      };
    };
    const mlp = await run(['--model', 'mlp', '--hidden', '16', '--seed', '3']);
    expect(mlp.kind).toBe('mlp');
    expect(mlp.model.kind).toBe('mlp');
    expect(mlp.model.layers!.map((l) => l.bias.length)).toEqual([16, 2]);
    expect(mlp.auc[0]).toBeGreaterThan(0.9);
    expect(mlp.manifestBytes).toBe(Buffer.byteLength(JSON.stringify(mlp.model)));
    const softmax = await run([]);
    expect(softmax.model.kind).toBe('softmax');
    expect(softmax.auc[0]).toBeLessThan(0.7);
    expect(await cli(['train', '--csv', csv, '--label', 'sign', '--model', 'tree'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--model must be softmax or mlp/),
    });
    expect(
      await cli(['train', '--csv', csv, '--label', 'sign', '--model', 'mlp', '--hidden', '4,4,4']),
    ).toMatchObject({
      code: 1,
      err: expect.stringMatching(/--hidden/),
    });
    expect(mlp.model.segments[0]!.documentation.validation).toMatch(/the device's mlp code/);
  });
});
