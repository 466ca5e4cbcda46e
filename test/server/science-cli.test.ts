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
import { runAdminCli } from '../../src/server/admin-cli/main.js';
import { SEED_FEATURES } from '../../src/server/demo/features.js';
import { useRunningServer } from './helpers.js';

const TOKEN = 'science-cli-token-0123456789';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCli(argv, env, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n'), errLines: err };
}

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

describe('drafts and drift on the server', () => {
  it('fit --site adds the draft to the working copy; a second one with the same id is a 400 naming model.id', async () => {
    const rng = seededRandom(4);
    const rows = Array.from(
      { length: 60 },
      (_, i) => `${i},${i < 30 ? rng.int(3) : 10 + rng.int(5)},${i < 30 ? 1 : 12}`,
    );
    const csv = join(server.dir, 'site.csv');
    writeFileSync(csv, ['id,lessons_7d,active_days_14d', ...rows].join('\n'));
    const env = { EDSEG_ADMIN_TOKEN: TOKEN };
    const args = [
      '--server',
      server.url,
      'fit',
      '--csv',
      csv,
      '--site',
      'lingua-kids',
      '--k',
      '2',
      '--model-id',
      'fit-pace',
    ];
    const r = await cli([...args, '--json'], env);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/added draft model "fit-pace" to the working copy of site lingua-kids/);
    const view = (await (
      await fetch(`${server.url}/admin/api/sites/lingua-kids`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { segments: { id: string }[] };
    expect(view.segments.map((s) => s.id)).toContain('cluster-1');
    const again = await cli(args, env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already has a model "fit-pace" \(field: model\.id\)/);
  });

  it('POST drafts answers 400 naming the field, 404 for an unknown site', async () => {
    const post = (site: string, body: unknown) =>
      fetch(`${server.url}/admin/api/sites/${site}/drafts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('lingua-kids', { model: { id: 'x', kind: 'centroids' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toMatch(/^model\./);
    const fitted = JSON.parse(readFileSync(join(server.dir, 'fit-out', 'model.json'), 'utf8')) as {
      id: string;
      segments: { id: string }[];
    };
    // Fresh ids (the fit above already added this model): the features the CSV had are the only issue.
    const model = {
      ...fitted,
      id: 'blobs-2',
      segments: fitted.segments.map((s, i) => ({ ...s, id: `blob-${i}` })),
    };
    const unknownFeature = await post('lingua-kids', { model });
    expect(unknownFeature.status).toBe(400);
    expect(await unknownFeature.json()).toMatchObject({ field: 'model.features.0' });
    expect((await post('no-such-site', { model })).status).toBe(404);
  });

  it('drift SITE --json reports the periods and flags; an unknown site is one line, exit 1', async () => {
    const env = { EDSEG_ADMIN_TOKEN: TOKEN };
    const r = await cli(['--server', server.url, 'drift', 'lingua-kids', '--json'], env);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { site: string; flags: unknown[]; links: { refinement: string } };
    expect(body).toMatchObject({ site: 'lingua-kids', flags: [] });
    expect(body.links.refinement).toBe('/admin/sites/lingua-kids/refinement');
    const missing = await cli(['--server', server.url, 'drift', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/404/);
  });

  it('fit and train --on-server run on the server (its worker thread) and give the local figures', async () => {
    const rng = seededRandom(9);
    const rows = Array.from(
      { length: 90 },
      (_, i) =>
        `${i},${i < 45 ? rng.int(4) : 9 + rng.int(5)},${i < 45 ? 1 + rng.int(2) : 11},${i < 45 ? 'low' : 'high'}`,
    );
    const csv = join(server.dir, 'remote.csv');
    writeFileSync(csv, ['id,lessons_7d,active_days_14d,pace', ...rows].join('\n'));
    const env = { EDSEG_ADMIN_TOKEN: TOKEN };
    const headers = { authorization: `Bearer ${TOKEN}` };
    const api = `${server.url}/admin/api/sites/lingua-kids`;
    // The local runs read the site's features from its manifest (so they add no draft); the server
    // runs add theirs, so the drafts of the tests above (segments cluster-N, taken) are removed first.
    const manifest = join(server.dir, 'site-manifest.json');
    writeFileSync(manifest, JSON.stringify(await (await fetch(api, { headers })).json()));
    const working = (await (await fetch(`${api}/working`, { headers })).json()) as {
      definition: { models: { id: string; segments: { id: string }[] }[] };
    };
    for (const m of working.definition.models.filter((m) => m.segments.some((s) => /^cluster-/.test(s.id))))
      expect((await fetch(`${api}/models/${m.id}`, { method: 'DELETE', headers })).status).toBe(200);
    const common = ['--server', server.url, 'fit', '--csv', csv, '--features'];
    const fit = (id: string, extra: string[]) =>
      cli(
        [
          ...common,
          'lessons_7d,active_days_14d',
          '--k',
          '2..3',
          '--seed',
          '5',
          '--model-id',
          id,
          '--json',
          ...extra,
        ],
        env,
      );
    const local = await fit('fit-local', ['--manifest', manifest]);
    const remote = await fit('fit-remote', [
      '--site',
      'lingua-kids',
      '--on-server',
      '--out',
      join(server.dir, 'remote-out'),
    ]);
    expect(local.code).toBe(0);
    expect(remote.code).toBe(0);
    expect(remote.err).toMatch(/on the server/);
    expect(remote.err).toMatch(/added draft model "fit-remote"/);
    const [a, b] = [local, remote].map(
      (r) => JSON.parse(r.out) as { ks: unknown; best: number; model: { centroids: unknown } },
    );
    expect(b!.ks).toEqual(a!.ks);
    expect(b!.best).toBe(a!.best);
    expect(b!.model.centroids).toEqual(a!.model.centroids);
    for (const f of ['elbow.svg', 'pca.svg', 'model.json', 'fit.json'])
      expect(existsSync(join(server.dir, 'remote-out', f))).toBe(true);

    const train = (id: string, extra: string[]) =>
      cli(
        [
          '--server',
          server.url,
          'train',
          '--csv',
          csv,
          '--label',
          'pace',
          '--id-column',
          'id',
          '--folds',
          '3',
          '--model-id',
          id,
          '--json',
          ...extra,
        ],
        env,
      );
    const tl = await train('train-local', ['--manifest', manifest]);
    const tr = await train('train-remote', ['--site', 'lingua-kids', '--on-server']);
    expect(tl.code).toBe(0);
    expect(tr.code).toBe(0);
    const [x, y] = [tl, tr].map(
      (r) => JSON.parse(r.out) as { auc: number[]; confusion: number[][]; model: { weights: unknown } },
    );
    expect(y!.auc).toEqual(x!.auc);
    expect(y!.confusion).toEqual(x!.confusion);
    expect(y!.model.weights).toEqual(x!.model.weights);
    // --model mlp on the server too: the same network as here for the same seed (its draft takes the segment ids)
    expect((await fetch(`${api}/models/train-remote`, { method: 'DELETE', headers })).status).toBe(200);
    const mlp = ['--model', 'mlp', '--hidden', '4', '--seed', '2'];
    const ml = await train('train-mlp-local', ['--manifest', manifest, ...mlp]);
    const mr = await train('train-mlp-remote', ['--site', 'lingua-kids', '--on-server', ...mlp]);
    expect(ml.code).toBe(0);
    expect(mr).toMatchObject({ code: 0, err: expect.stringMatching(/on the server .*, mlp, 3 folds/) });
    expect(mr.err).toMatch(/added draft model "train-mlp-remote"/);
    type Mlp = { kind: string; hidden: number[]; auc: number[]; model: { kind: string; layers: object[] } };
    const [p, q] = [ml, mr].map((r) => JSON.parse(r.out) as Mlp);
    expect(q).toMatchObject({ kind: 'mlp', hidden: [4], model: { kind: 'mlp' }, auc: p!.auc });
    expect(q!.model.layers).toEqual(p!.model.layers);
    // --on-server needs the site, and the server's caps answer through the CLI as one line
    const noSite = await cli(['--server', server.url, 'fit', '--csv', csv, '--on-server'], env);
    expect(noSite.code).toBe(1);
    expect(noSite.err).toMatch(/--on-server needs --site SITE and --csv FILE/);
    const wideK = await cli(
      [...common, 'lessons_7d', '--k', '2..40', '--site', 'lingua-kids', '--on-server'],
      env,
    );
    expect(wideK.code).toBe(1);
    expect(wideK.err).toMatch(/\(400\).*EDSEG_SCIENCE_MAX_K.*\(field: k\)/);
  }, 120_000);
});
