/**
 * edseg-admin against the running server's science routes: fit --site adds a draft to the working
 * copy (a second with the same id is a 400 naming model.id); POST drafts answers 400 naming the
 * field and 404 for an unknown site; drift --json per period; fit and train --on-server run in the
 * server's worker thread and give the local figures.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/privacy/random.js';
import { runCli, useRunningServer } from './helpers.js';

const TOKEN = 'science-server-cli-token-0123456789';
const cli = runCli;
const server = useRunningServer('edseg-science-server-cli-', { adminToken: TOKEN });

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
    // A model fitted locally on features a and b, which lingua-kids's manifest does not have.
    const csv = join(server.dir, 'ab.csv');
    const rng = seededRandom(5);
    const rows = Array.from(
      { length: 60 },
      (_, i) => `l${i},${(i < 30 ? -5 : 5) + rng.real()},${rng.real()}`,
    );
    writeFileSync(csv, ['id,a,b', ...rows].join('\n'));
    const out = join(server.dir, 'ab-out');
    expect((await cli(['fit', '--csv', csv, '--k', '2', '--seed', '3', '--out', out])).code).toBe(0);
    const fitted = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
      id: string;
      segments: { id: string }[];
    };
    // Fresh ids: the features the CSV had are the only issue.
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
