import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { PURPOSES, type FeatureSpec, type Purpose } from '../../../core/schema.js';
import { fitCharts } from '../../science/charts.js';
import { draftModel, fitSummary, parseKs, runFit, type FitK } from '../../science/fit.js';
import { eventInputs, featureSpecsOf, tableInputs, type Inputs } from '../../science/inputs.js';
import { readTable } from '../../science/table.js';
import { CliError, type AdminCommand, type CommandContext } from '../command.js';

const str = (ctx: CommandContext, name: string): string | undefined => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A whole number option, or a CliError naming it. */
export function intOption(ctx: CommandContext, name: string, fallback: number, min: number): number {
  const text = str(ctx, name);
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min)
    throw new CliError(`--${name} must be a whole number of at least ${min}, got "${text}"`);
  return v;
}

/** The feature specs of --manifest FILE, or of the site's published manifest with --site, or none. */
export async function specsFor(ctx: CommandContext): Promise<FeatureSpec[] | undefined> {
  const file = str(ctx, 'manifest');
  const site = str(ctx, 'site');
  if (file !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CliError(`--manifest ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return featureSpecsOf(json, file);
  }
  if (site !== undefined) {
    const view = await ctx.api.get<{ manifest: unknown }>(`/sites/${encodeURIComponent(site)}`);
    if (!view.manifest) throw new CliError(`site "${site}" has published nothing yet: give --manifest FILE`);
    return featureSpecsOf(view, `site ${site}`);
  }
  return undefined;
}

/** The learner matrix of --csv (a learner table) or --events (an event log, with a manifest). */
export async function inputsFor(
  ctx: CommandContext,
  exclude: string[] = [],
): Promise<{ inputs: Inputs; source: string }> {
  const csv = str(ctx, 'csv');
  const events = str(ctx, 'events');
  if ((csv === undefined) === (events === undefined))
    throw new CliError('give one of --csv FILE or --events FILE');
  const specs = await specsFor(ctx);
  if (events !== undefined) {
    if (!specs) throw new CliError('--events needs --manifest FILE or --site SITE (the features to compute)');
    const today = str(ctx, 'today');
    const features = str(ctx, 'features');
    return {
      inputs: eventInputs(readTable(events), specs, {
        ...(features ? { features } : {}),
        ...(today ? { today } : {}),
      }),
      source: events,
    };
  }
  const idColumn = str(ctx, 'id-column');
  const features = str(ctx, 'features');
  return {
    inputs: tableInputs(readTable(csv!), {
      ...(idColumn ? { idColumn } : {}),
      ...(features ? { features } : {}),
      exclude,
      ...(specs ? { specs } : {}),
    }),
    source: csv!,
  };
}

/** --purpose, checked. */
export function purposeOf(ctx: CommandContext): Purpose | undefined {
  const p = str(ctx, 'purpose');
  if (p !== undefined && !(PURPOSES as readonly string[]).includes(p))
    throw new CliError(`--purpose must be one of ${PURPOSES.join(', ')}, got "${p}"`);
  return p as Purpose | undefined;
}

/** Writes each file of `files` into --out (created if needed); the paths written. */
export function writeOut(dir: string | undefined, files: Record<string, string>): string[] {
  if (dir === undefined) return [];
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, body]) => {
    const path = resolve(dir, name);
    writeFileSync(path, body);
    return path;
  });
}

/** POSTs the draft model to the site's working copy (POST /admin/api/sites/:site/drafts). */
export async function postDraft(ctx: CommandContext, model: unknown): Promise<unknown> {
  const site = str(ctx, 'site');
  if (site === undefined) return undefined;
  return ctx.api.post(`/sites/${encodeURIComponent(site)}/drafts`, { model });
}

/**
 * With --on-server: the --csv file's text, for the server's POST …/sites/SITE/fit or …/train (run
 * there in a worker thread under its caps), and the site; --events and --manifest do not apply.
 */
export function onServerInput(ctx: CommandContext): { site: string; csv: string; text: string } | undefined {
  if (!ctx.values['on-server']) return undefined;
  const site = str(ctx, 'site');
  const csv = str(ctx, 'csv');
  if (site === undefined || csv === undefined)
    throw new CliError('--on-server needs --site SITE and --csv FILE');
  for (const name of ['events', 'manifest'])
    if (str(ctx, name) !== undefined)
      throw new CliError(`--on-server reads the site's features: --${name} does not apply`);
  try {
    return { site, csv, text: readFileSync(csv, 'utf8') };
  } catch (e) {
    throw new CliError(`cannot read ${csv}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The options of the learner table a server run passes on (--id-column, --features, --seed, --model-id, --purpose). */
export function tableOptions(ctx: CommandContext, file: string): Record<string, unknown> {
  const opt = (name: string, key: string) => (str(ctx, name) !== undefined ? { [key]: str(ctx, name) } : {});
  return {
    file: basename(file),
    ...opt('id-column', 'idColumn'),
    ...opt('features', 'features'),
    ...opt('model-id', 'modelId'),
    ...opt('purpose', 'purpose'),
  };
}

/** The options fit and train share: the learner table, the manifest or site, the draft's id and purpose, the output. */
export const LEARNER_OPTIONS = {
  csv: { type: 'string' },
  'id-column': { type: 'string' },
  features: { type: 'string' },
  manifest: { type: 'string' },
  site: { type: 'string' },
  seed: { type: 'string' },
  'model-id': { type: 'string' },
  purpose: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'on-server': { type: 'boolean' },
} as const satisfies AdminCommand['options'];

/** The k table `fit` prints. */
function printKs(ctx: CommandContext, ks: FitK[], best: number): void {
  ctx.out('k  inertia      silhouette  stability  sizes');
  for (const r of ks)
    ctx.out(
      `${String(r.k).padEnd(3)}${r.inertia.toFixed(2).padEnd(13)}${r.silhouette.toFixed(3).padEnd(12)}${r.stability.toFixed(3).padEnd(11)}${r.sizes.join(' ')}${r.k === best ? '  <- best' : ''}`,
    );
}

export const fit: AdminCommand = {
  name: 'fit',
  summary: 'k-means over a range of k on learner features: elbow, silhouette, PCA, a draft model',
  usage:
    '(--csv FILE [--id-column COL] | --events FILE [--today DATE]) [--manifest FILE | --site SITE] [--features a,b,...] [--k 2..10] [--seed S] [--choose K] [--out DIR] [--json]',
  help: [
    '  --csv FILE        one row per learner, a header, feature columns (numbers)',
    '  --events FILE     an event log: columns learner, time (ISO date or ms), type, props (JSON)',
    '  --manifest FILE   features and normalisation from a manifest or site definition (JSON)',
    "  --site SITE       the same from the site's published manifest; the draft is added to its working copy",
    '  --id-column COL   the learner id column (default: id or learner when present)',
    '  --features a,b    the feature columns (default: all but the id column)',
    '  --k 2..10         one k or a range (default 2..10)',
    '  --seed S          seed of k-means++ and the restarts (default 1)',
    '  --restarts N      k-means restarts per k, the best kept (default 5)',
    '  --choose K        the k of the draft model (default: best, the highest mean silhouette)',
    "  --model-id ID     the draft model's id (default fit-kK); --purpose P (default analytics)",
    '  --out DIR         writes elbow.svg, silhouette.svg, pca.svg, profile.svg, model.json, fit.json',
    '  --json            stdout: one JSON object { ks: [{ k, inertia, silhouette, sizes, ... }], best, ... }',
    '  --on-server       run the fit on the server (POST /admin/api/sites/SITE/fit, a worker thread under its caps)',
    "                    with --site and --csv; the site's features normalise the columns",
  ].join('\n'),
  options: {
    ...LEARNER_OPTIONS,
    events: { type: 'string' },
    today: { type: 'string' },
    k: { type: 'string' },
    restarts: { type: 'string' },
    choose: { type: 'string' },
  },
  needsServer: false,
  async run(ctx) {
    let ks: number[];
    try {
      ks = parseKs(str(ctx, 'k'));
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const seed = intOption(ctx, 'seed', 1, 0);
    const restarts = intOption(ctx, 'restarts', 5, 1);
    const purpose = purposeOf(ctx);
    const remote = onServerInput(ctx);
    if (remote) {
      const choose = str(ctx, 'choose') !== undefined ? { choose: intOption(ctx, 'choose', 2, 2) } : {};
      ctx.err(`fit: on the server ${ctx.api.server}, site ${remote.site}, k ${ks[0]}..${ks.at(-1)}`);
      const answer = await ctx.api.post<{
        ks: FitK[];
        best: number;
        chosen: number;
        model: { id: string };
        charts?: Record<string, string>;
      }>(`/sites/${encodeURIComponent(remote.site)}/fit`, {
        csv: remote.text,
        ...tableOptions(ctx, remote.csv),
        k: str(ctx, 'k') ?? '2..10',
        seed,
        restarts,
        ...choose,
        charts: str(ctx, 'out') !== undefined,
      });
      const { model, charts, ...summary } = answer;
      const written = writeOut(str(ctx, 'out'), {
        ...charts,
        'model.json': `${JSON.stringify(model, null, 2)}\n`,
        'fit.json': `${JSON.stringify(summary, null, 2)}\n`,
      });
      for (const p of written) ctx.err(`fit: wrote ${p}`);
      await postDraft(ctx, model);
      ctx.err(`fit: added draft model "${model.id}" to the working copy of site ${remote.site}`);
      if (ctx.values['json']) {
        ctx.out(JSON.stringify({ ...summary, model, files: written }));
        return;
      }
      printKs(ctx, summary.ks, summary.best);
      ctx.out(`best k = ${summary.best}; draft model "${model.id}" with k = ${summary.chosen}`);
      return;
    }
    const { inputs, source } = await inputsFor(ctx);
    if (inputs.x.length < Math.max(...ks))
      throw new CliError(
        `${source}: ${inputs.x.length} rows, fewer than k = ${Math.max(...ks)} (give a smaller --k)`,
      );
    ctx.err(
      `fit: ${inputs.x.length} learners x ${inputs.features.length} features (${inputs.features.join(', ')}), k ${ks[0]}..${ks.at(-1)}`,
    );
    const result = await runFit(inputs, { ks, seed, restarts, progress: (l) => ctx.err(`fit: ${l}`) });
    const chosen = intOption(ctx, 'choose', result.best, 2);
    let model;
    try {
      model = draftModel(result, chosen, {
        ...(str(ctx, 'model-id') ? { id: str(ctx, 'model-id')! } : {}),
        ...(purpose ? { purpose } : {}),
        source,
        date: new Date().toISOString().slice(0, 10),
      });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const normalisation = Object.fromEntries(
      Object.entries(inputs.normalisation).map(([f, n]) => [
        f,
        { transform: n.transform, clip: n.clip, normalisation: n.normalisation },
      ]),
    );
    const summary = fitSummary(result, chosen, { normalisedBy: inputs.normalisedBy, normalisation });
    const written = writeOut(str(ctx, 'out'), {
      ...fitCharts(result, chosen),
      'model.json': `${JSON.stringify(model, null, 2)}\n`,
      'fit.json': `${JSON.stringify(summary, null, 2)}\n`,
    });
    for (const p of written) ctx.err(`fit: wrote ${p}`);
    const draft = await postDraft(ctx, model);
    if (draft !== undefined)
      ctx.err(`fit: added draft model "${model.id}" to the working copy of site ${str(ctx, 'site')}`);
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ ...summary, model, files: written }));
      return;
    }
    printKs(ctx, result.ks, result.best);
    ctx.out(
      `best k = ${result.best} (highest mean silhouette, ${result.ks[0]!.silhouetteMethod}); draft model "${model.id}" with k = ${chosen}`,
    );
  },
};
