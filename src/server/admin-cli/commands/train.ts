import type { Model } from '../../../core/schema.js';
import { calibrationChart } from '../../science/charts.js';
import { readTable, columnIndex } from '../../science/table.js';
import { tableInputs } from '../../science/inputs.js';
import { mlpFoldFitter, mlpModel, trainMlp } from '../../science/mlp.js';
import { trainSoftmax } from '../../science/softmax.js';
import { labelsOf } from '../../science/tasks.js';
import { crossValidate, softmaxModel, validationText } from '../../science/train.js';
import { CliError, required, type AdminCommand } from '../command.js';
import type { TrainValidation } from '../../science/train.js';
import {
  intOption,
  LEARNER_OPTIONS,
  onServerInput,
  postDraft,
  purposeOf,
  specsFor,
  tableOptions,
  writeOut,
} from './fit.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export const train: AdminCommand = {
  name: 'train',
  summary:
    'a predictive segment: L2 softmax regression or a small dense network (mlp) with k-fold cross-validation, as a draft model',
  usage:
    '--csv FILE --label COL [--model softmax|mlp] [--hidden 16[,8]] [--folds 5] [--id-column COL] [--features a,b,...] [--manifest FILE | --site SITE] [--l2 L] [--seed S] [--out DIR] [--json]',
  help: [
    '  --csv FILE       one row per learner: feature columns (numbers) and the label column',
    '  --label COL      the class of each row (two or more distinct values; each becomes a segment)',
    '  --folds N        stratified cross-validation folds (default 5)',
    '  --manifest FILE  normalise columns named after manifest features as the manifest does',
    "  --site SITE      the same from the site's published manifest; the draft is added to its working copy",
    '  --model KIND     softmax (default: L2 multinomial logistic regression) or mlp (one or two ReLU',
    '                   hidden layers, softmax out; Adam, early stopping on an inner validation fold,',
    '                   class weights, seeded by --seed)',
    "  --hidden W[,W]   the mlp's hidden layer widths (default 16)",
    '  --l2 L           the L2 penalty on the weights (default 0.01)',
    "  --model-id ID    the draft model's id (default train-LABEL); --purpose P (default instruction)",
    '  --out DIR        writes model.json, validation.json, calibration.svg',
    '  --json           stdout: one JSON object { classes, auc, macroAuc, accuracy, confusion, calibration, model }',
    '  --on-server      train on the server (POST /admin/api/sites/SITE/train, a worker thread under its caps)',
    "                   with --site and --csv; the site's features normalise the columns (--model softmax or mlp)",
  ].join('\n'),
  options: {
    ...LEARNER_OPTIONS,
    label: { type: 'string' },
    folds: { type: 'string' },
    l2: { type: 'string' },
    model: { type: 'string' },
    hidden: { type: 'string' },
  },
  needsServer: false,
  async run(ctx) {
    const csv = required(ctx, 'csv');
    const label = required(ctx, 'label');
    const folds = intOption(ctx, 'folds', 5, 2);
    const seed = intOption(ctx, 'seed', 1, 0);
    const l2Text = ctx.values['l2'];
    const l2 = typeof l2Text === 'string' ? Number(l2Text) : 0.01;
    if (!(Number.isFinite(l2) && l2 >= 0))
      throw new CliError(`--l2 must be a number >= 0, got "${String(l2Text)}"`);
    const kind = ctx.values['model'] ?? 'softmax';
    if (kind !== 'softmax' && kind !== 'mlp')
      throw new CliError(`--model must be softmax or mlp, got "${String(kind)}"`);
    const hiddenText = typeof ctx.values['hidden'] === 'string' ? ctx.values['hidden'] : '16';
    const hidden = hiddenText.split(',').map((w) => Number(w.trim()));
    if (
      hidden.length < 1 ||
      hidden.length > 2 ||
      !hidden.every((w) => Number.isInteger(w) && w >= 1 && w <= 256)
    )
      throw new CliError(
        `--hidden must be one or two whole widths from 1 to 256, like 16 or 16,8, got "${hiddenText}"`,
      );
    const mlpOptions = { hidden, l2, seed };
    const purpose = purposeOf(ctx) ?? 'instruction';
    const remote = onServerInput(ctx);
    if (remote) {
      ctx.err(`train: on the server ${ctx.api.server}, site ${remote.site}, ${kind}, ${folds} folds`);
      const { model, ...summary } = await ctx.api.post<
        TrainValidation & { l2: number; features: string[]; model: { id: string } }
      >(`/sites/${encodeURIComponent(remote.site)}/train`, {
        csv: remote.text,
        ...tableOptions(ctx, remote.csv),
        label,
        folds,
        seed,
        l2,
        model: kind,
        ...(kind === 'mlp' ? { hidden } : {}),
      });
      const written = writeOut(typeof ctx.values['out'] === 'string' ? ctx.values['out'] : undefined, {
        'model.json': `${JSON.stringify(model, null, 2)}\n`,
        'validation.json': `${JSON.stringify(summary, null, 2)}\n`,
        'calibration.svg': calibrationChart(
          summary.calibration,
          `Calibration, ${folds}-fold cross-validation`,
        ),
      });
      for (const p of written) ctx.err(`train: wrote ${p}`);
      await postDraft(ctx, model);
      ctx.err(`train: added draft model "${model.id}" to the working copy of site ${remote.site}`);
      if (ctx.values['json']) {
        ctx.out(JSON.stringify({ ...summary, model, files: written }));
        return;
      }
      ctx.out(`classes: ${summary.classes.join(', ')}`);
      ctx.out(
        `AUC (one-vs-rest): ${summary.auc.map((a, c) => `${summary.classes[c]} ${a.toFixed(3)}`).join(', ')}`,
      );
      ctx.out(`accuracy: ${pct(summary.accuracy)}; draft model "${model.id}"`);
      return;
    }
    const table = readTable(csv);
    columnIndex(table, label, 'label column'); // named before the feature columns are read
    const specs = await specsFor(ctx);
    const str = (n: string) => (typeof ctx.values[n] === 'string' ? (ctx.values[n] as string) : undefined);
    const inputs = tableInputs(table, {
      ...(str('id-column') ? { idColumn: str('id-column')! } : {}),
      ...(str('features') ? { features: str('features')! } : {}),
      exclude: [label],
      ...(specs ? { specs } : {}),
    });
    const { classes, y } = labelsOf(table, label, folds);
    ctx.err(
      `train: ${y.length} rows x ${inputs.features.length} features, ${classes.length} classes (${classes.join(', ')}), ${folds} folds`,
    );
    const validation = await crossValidate(inputs.x, y, classes, inputs.features, {
      folds,
      seed,
      softmax: { l2 },
      progress: (l) => ctx.err(`train: ${l}`),
      ...(kind === 'mlp' ? { fitFold: mlpFoldFitter(inputs.features, classes.length, mlpOptions) } : {}),
    });
    const date = new Date().toISOString().slice(0, 10);
    let model: Model;
    const id = str('model-id') ?? `train-${label}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64);
    const documented = validationText(validation, csv, kind);
    try {
      model =
        kind === 'mlp'
          ? mlpModel(
              id,
              purpose,
              inputs.features,
              classes,
              await trainMlp(inputs.x, y, classes.length, mlpOptions),
              documented,
              csv,
              date,
            )
          : softmaxModel(
              id,
              purpose,
              inputs.features,
              classes,
              await trainSoftmax(inputs.x, y, classes.length, { l2 }),
              documented,
              csv,
              date,
            );
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    // what the trained model adds to the manifest: its JSON, as the signed payload carries it
    const manifestBytes = Buffer.byteLength(JSON.stringify(model), 'utf8');
    const summary = {
      ...validation,
      kind,
      l2,
      ...(kind === 'mlp' ? { hidden } : {}),
      manifestBytes,
      features: inputs.features,
      normalisedBy: inputs.normalisedBy,
    };
    const written = writeOut(str('out'), {
      'model.json': `${JSON.stringify(model, null, 2)}\n`,
      'validation.json': `${JSON.stringify(summary, null, 2)}\n`,
      'calibration.svg': calibrationChart(
        validation.calibration,
        `Calibration, ${folds}-fold cross-validation`,
      ),
    });
    for (const p of written) ctx.err(`train: wrote ${p}`);
    if ((await postDraft(ctx, model)) !== undefined)
      ctx.err(`train: added draft model "${model.id}" to the working copy of site ${str('site')}`);
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ ...summary, model, files: written }));
      return;
    }
    ctx.out(`classes: ${classes.join(', ')}`);
    ctx.out(
      `AUC (one-vs-rest): ${validation.auc.map((a, c) => `${classes[c]} ${a.toFixed(3)}`).join(', ')}; mean ${validation.macroAuc.toFixed(3)}`,
    );
    ctx.out(`accuracy: ${pct(validation.accuracy)}`);
    ctx.out(`confusion (rows true, columns predicted):`);
    for (const [c, row] of validation.confusion.entries())
      ctx.out(`  ${classes[c]!.padEnd(16)}${row.join('  ')}`);
    ctx.out(
      `draft model "${model.id}" (${kind}, ${[inputs.features.length, ...(kind === 'mlp' ? hidden : []), classes.length].join(' x ')}; ${manifestBytes} bytes in the manifest)`,
    );
  },
};
