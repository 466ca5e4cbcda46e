/**
 * The work a science job does, as plain data in and out, so that it runs the same in the server's
 * worker threads (worker.ts, started by jobs.ts) and in-process (the tests): a fit (k-means over a
 * range of k, fit.ts) or a training (softmax regression or an mlp with k-fold cross-validation, then
 * the model on every row: train.ts, softmax.ts, mlp.ts), from the uploaded CSV's text. Parsing the CSV happens here
 * too, so the server's event loop does none of the work. The row cap is checked once the table is
 * read (413 naming `csv`); what the input gets wrong is a TaskRefusal naming its field (400).
 * Task and outcome are structured-clone safe.
 */
import { CliError } from '../admin-cli/command.js';
import type { FeatureSpec } from '../../core/schema.js';
import { fitCharts } from './charts.js';
import { fitFigures, runFit, type FitFigures } from './fit.js';
import { tableInputs, type Inputs } from './inputs.js';
import { mlpFoldFitter, trainMlp, type MlpFit } from './mlp.js';
import { trainSoftmax, type SoftmaxFit } from './softmax.js';
import { columnIndex, readTable } from './table.js';
import { crossValidate, type TrainValidation } from './train.js';

/** The learner table a task reads: the CSV's name and text, and how to read its columns. */
export type TableSource = {
  file: string;
  text: string;
  idColumn?: string;
  features?: string;
  /** the site's features: columns named after them are normalised as its manifest does */
  specs?: FeatureSpec[];
};

export type FitTask = {
  kind: 'fit';
  table: TableSource;
  ks: number[];
  seed: number;
  restarts?: number;
  /** also draw the charts of this k (or the best), here rather than on the event loop */
  charts?: number | 'best';
  /** rows above this are refused (413 naming csv) */
  maxRows: number;
};

export type TrainTask = {
  kind: 'train';
  table: TableSource;
  label: string;
  folds: number;
  seed: number;
  l2: number;
  /** softmax (default) or mlp, with its hidden widths (default [16]) */
  model?: 'softmax' | 'mlp';
  hidden?: number[];
  maxRows: number;
};

export type ScienceTask = FitTask | TrainTask;

/** How the task read its table: the features and their normalisation (not the rows). */
export type TaskInputs = Pick<Inputs, 'features' | 'normalisation' | 'normalisedBy'> & { rows: number };

/** A fit's figures (no per-row arrays: they stay in the worker) and, when asked, its charts (SVG). */
export type FitOutcome = {
  kind: 'fit';
  inputs: TaskInputs;
  fit: FitFigures;
  charts?: Record<string, string>;
};
export type TrainOutcome = {
  kind: 'train';
  inputs: TaskInputs;
  classes: string[];
  validation: TrainValidation;
  fit: ({ model: 'softmax' } & SoftmaxFit) | ({ model: 'mlp' } & MlpFit);
};
export type TaskOutcome<T extends ScienceTask> = T extends FitTask ? FitOutcome : TrainOutcome;

/** A refusal of the task's input: the status (400, or 413 for the row cap) and the field it names. */
export class TaskRefusal extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'TaskRefusal';
  }
}

function inputsOf(task: ScienceTask, exclude: string[]) {
  const { table: src } = task;
  try {
    const table = readTable(src.file, src.text);
    if (table.rows.length > task.maxRows)
      throw new TaskRefusal(
        413,
        `${src.file}: ${table.rows.length} rows, more than the server's cap of ${task.maxRows} (EDSEG_SCIENCE_MAX_ROWS): fit a sample`,
        'csv',
      );
    const inputs = tableInputs(table, {
      ...(src.idColumn !== undefined ? { idColumn: src.idColumn } : {}),
      ...(src.features !== undefined ? { features: src.features } : {}),
      exclude,
      ...(src.specs ? { specs: src.specs } : {}),
    });
    return { table, inputs };
  } catch (e) {
    if (e instanceof CliError) throw new TaskRefusal(400, e.message, 'csv');
    throw e;
  }
}

const described = (inputs: Inputs): TaskInputs => ({
  features: inputs.features,
  normalisation: inputs.normalisation,
  normalisedBy: inputs.normalisedBy,
  rows: inputs.x.length,
});

/**
 * The class of every row from column `label`: the sorted classes and each row's index among them.
 * Throws naming the column and what it found: empty cells (how many, the first row), no rows, one
 * class only (which, in how many rows), a class with fewer rows than `folds`.
 */
export function labelsOf(
  table: { file: string; header: string[]; rows: string[][] },
  label: string,
  folds: number,
) {
  const at = columnIndex(table, label, 'label column');
  const where = `${table.file}: the label column "${label}"`;
  const n = table.rows.length;
  if (n === 0) throw new CliError(`${where} has no rows (the file has a header only)`);
  const labels = table.rows.map((row) => (row[at] ?? '').trim());
  const empty = labels.flatMap((v, r) => (v === '' ? [r + 2] : []));
  if (empty.length === n)
    throw new CliError(
      `${where} is empty in every one of its ${n} rows: choose the column that holds each learner's class`,
    );
  if (empty.length)
    throw new CliError(
      `${where} is empty in ${empty.length} of ${n} rows (first: row ${empty[0]}): every row needs a class`,
    );
  const classes = [...new Set(labels)].sort();
  if (classes.length < 2)
    throw new CliError(
      `${where} has one class only ("${classes[0]}" in all ${n} rows): a label needs two classes or more`,
    );
  const y = labels.map((l) => classes.indexOf(l));
  const counts = classes.map((_, c) => y.filter((v) => v === c).length);
  const smallest = Math.min(...counts);
  if (smallest < folds)
    throw new CliError(
      `${where}: class "${classes[counts.indexOf(smallest)]}" has ${smallest} rows, fewer than the ${folds} folds`,
    );
  return { classes, y };
}

/** Runs one task; `progress` gets the same lines the CLI prints. */
export async function runTask<T extends ScienceTask>(
  task: T,
  progress?: (line: string) => void,
): Promise<TaskOutcome<T>> {
  const p = progress ? { progress } : {};
  if (task.kind === 'fit') {
    const { inputs } = inputsOf(task, []);
    const maxK = Math.max(...task.ks);
    if (inputs.x.length < maxK)
      throw new TaskRefusal(400, `${inputs.x.length} rows, fewer than k = ${maxK}: give a smaller k`, 'k');
    const fit = await runFit(inputs, {
      ks: task.ks,
      seed: task.seed,
      ...(task.restarts !== undefined ? { restarts: task.restarts } : {}),
      ...p,
    });
    return {
      kind: 'fit',
      inputs: described(inputs),
      fit: fitFigures(fit),
      ...(task.charts !== undefined
        ? { charts: fitCharts(fit, fit.fits.has(task.charts as number) ? (task.charts as number) : fit.best) }
        : {}),
    } as TaskOutcome<T>;
  }
  const t = task as TrainTask;
  const { table, inputs } = inputsOf(t, [t.label]);
  let labelled: { classes: string[]; y: number[] };
  try {
    labelled = labelsOf(table, t.label, t.folds);
  } catch (e) {
    if (e instanceof CliError) throw new TaskRefusal(400, e.message, 'label');
    throw e;
  }
  const { classes, y } = labelled;
  const softmax = { l2: t.l2 };
  const mlp = { hidden: t.hidden ?? [16], l2: t.l2, seed: t.seed };
  const k = classes.length;
  const validation = await crossValidate(inputs.x, y, classes, inputs.features, {
    folds: t.folds,
    seed: t.seed,
    softmax,
    ...(t.model === 'mlp' ? { fitFold: mlpFoldFitter(inputs.features, k, mlp) } : {}),
    ...p,
  });
  const fit: TrainOutcome['fit'] =
    t.model === 'mlp'
      ? { model: 'mlp', ...(await trainMlp(inputs.x, y, k, mlp)) }
      : { model: 'softmax', ...(await trainSoftmax(inputs.x, y, k, softmax)) };
  return { kind: 'train', inputs: described(inputs), classes, validation, fit } as TaskOutcome<T>;
}
