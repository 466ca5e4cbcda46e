/**
 * The train page's HTML (train-page.ts has the routes): the upload form, the column chooser (each
 * column of the uploaded file with what it holds), and the result (the cross-validation figures,
 * the calibration chart, the draft button).
 */
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import { scrolling, type Html } from '../admin/views/layout.js';
import { roleAtLeast } from '../admin/access.js';
import { CliError } from '../admin-cli/command.js';
import { calibrationChart } from './charts.js';
import type { TrainResult } from './routes.js';
import { readTable } from './table.js';

/** An uploaded CSV as the chooser shows it. */
export type Upload = { file: string; text: string };

/** Rows read to describe the columns in the chooser. */
const SAMPLE_ROWS = 2000;

export type ColumnInfo = { name: string; distinct: number; numeric: boolean; examples: string[] };

/** The header of `text` and what each column holds, from its first SAMPLE_ROWS rows; a CliError naming the file. */
export function describeColumns(file: string, text: string): { columns: ColumnInfo[]; sampled: number } {
  const lines = text.split('\n');
  const head = lines.slice(0, SAMPLE_ROWS + 1).join('\n');
  const table = readTable(file, head);
  const columns = table.header.map((name, j) => {
    const values = table.rows.map((r) => r[j] ?? '').filter((v) => v !== '');
    const set = [...new Set(values)];
    return {
      name,
      distinct: set.length,
      numeric: values.length > 0 && values.every((v) => Number.isFinite(Number(v))),
      examples: set.sort().slice(0, 5),
    };
  });
  return { columns, sampled: table.rows.length };
}

/** The column to preselect: `final_result` or `label` if there, else the first non-numeric column with 2 to 20 values. */
function likelyLabel(columns: ColumnInfo[]): string | undefined {
  return (
    columns.find((c) => c.name === 'final_result' || c.name === 'label')?.name ??
    columns.find((c) => !c.numeric && c.distinct >= 2 && c.distinct <= 20 && !/^(id|learner)$/.test(c.name))
      ?.name
  );
}

export type Choice = { label?: string; model: string; folds: string; hidden: string; reload: string };

export function uploadForm(site: string, maxMB: number, message?: string): Html {
  return html`<h1>Train a predictive segment · <code>${site}</code></h1>
    ${message ? html`<p class="flash error" role="alert">${message}</p>` : ''}
    <p>
      Step 1 of 2: a labelled learner CSV, one row per learner, numeric feature columns named after the site's
      features and one column with each learner's class (e.g. <code>final_result</code>). How to make one from
      OULAD: <code>docs/EVALUATION.md</code>, "The learner CSVs for fit and train".
    </p>
    <form method="post" action="/admin/sites/${encodeURIComponent(site)}/train" enctype="multipart/form-data">
      <p>
        <label>Labelled learner CSV <input type="file" name="csv" accept=".csv,text/csv" required /></label>
        <span class="small muted">at most ${maxMB} MB</span>
      </p>
      <p><button type="submit">Upload and choose the label column</button></p>
    </form>`;
}

export function chooseForm(
  site: string,
  upload: string,
  kept: Upload,
  maxMB: number,
  choice: Choice,
  message?: string,
  field?: string,
): Html {
  let described: ReturnType<typeof describeColumns>;
  try {
    described = describeColumns(kept.file, kept.text);
  } catch (e) {
    if (e instanceof CliError) return uploadForm(site, maxMB, `csv: ${e.message}`);
    throw e;
  }
  const { columns, sampled } = described;
  const selected = choice.label ?? likelyLabel(columns);
  const err = (name: string) =>
    message && field === name ? html`<span class="error" id="${name}-error">${message}</span>` : '';
  return html`<h1>Train a predictive segment · <code>${site}</code></h1>
    ${message ? html`<p class="flash error" role="alert">${field ? html`${field}: ` : ''}${message}</p>` : ''}
    <p>
      Step 2 of 2: <code>${kept.file}</code>, ${columns.length} columns (described from its first ${sampled}
      rows). Every other column is a feature and must be numeric; an <code>id</code> or
      <code>learner</code> column is ignored.
    </p>
    <form method="post" action="/admin/sites/${encodeURIComponent(site)}/train" enctype="multipart/form-data">
      <input type="hidden" name="upload" value="${upload}" />
      <p>
        <label
          >Label column (the class to predict)
          <select name="label" data-testid="train-label" required>
            ${columns.map(
              (c) =>
                html`<option value="${c.name}" ${c.name === selected ? 'selected' : ''}>
                  ${c.name}: ${c.distinct} value${c.distinct === 1 ? '' : 's'}${c.numeric ? ', numeric' : ''}
                  (${c.examples.join(', ')}${c.distinct > c.examples.length ? ', …' : ''})
                </option>`,
            )}
          </select></label
        >
        ${err('label')}
      </p>
      <p>
        <label
          >Model
          <select name="model" data-testid="train-model">
            <option value="softmax" ${choice.model !== 'mlp' ? 'selected' : ''}>
              softmax: L2 softmax regression
            </option>
            <option value="mlp" ${choice.model === 'mlp' ? 'selected' : ''}>
              mlp: a small dense network (slower)
            </option>
          </select></label
        >
        <label>hidden widths (mlp) <input name="hidden" value="${choice.hidden}" size="6" /></label>
        ${err('hidden')}
      </p>
      <p>
        <label>folds <input name="folds" value="${choice.folds}" size="3" /></label>
        <span class="small muted">stratified cross-validation, 2 to 20</span> ${err('folds')}
      </p>
      <p>
        <label
          ><input type="checkbox" name="reload" value="1" ${choice.reload === '0' ? '' : 'checked'} /> reload
          the progress page every few seconds while it runs</label
        >
      </p>
      <p><button type="submit">Train</button></p>
    </form>`;
}

export function resultSection(c: Context, site: string, { outcome, model }: TrainResult): Html {
  const v = outcome.validation;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return html`<section data-testid="train-result">
    <h2>Result: ${outcome.fit.model} on ${v.rows} learners, ${v.classes.length} classes</h2>
    <p>
      ${v.folds}-fold cross-validation: accuracy <strong>${pct(v.accuracy)}</strong>, mean AUC
      <strong>${v.macroAuc.toFixed(3)}</strong>; features ${outcome.inputs.features.join(', ')}.
    </p>
    ${scrolling(
      'Cross-validation by class',
      html`<table>
        <tr>
          <th>class</th>
          <th>AUC (this class vs the rest)</th>
          <th>rows</th>
          <th>recall</th>
        </tr>
        ${v.classes.map((name, i) => {
          const row = v.confusion[i]!;
          const n = row.reduce((s, x) => s + x, 0);
          return html`<tr>
            <td>${name}</td>
            <td>${v.auc[i]!.toFixed(3)}</td>
            <td>${n}</td>
            <td>${pct(n ? row[i]! / n : 0)}</td>
          </tr>`;
        })}
      </table>`,
    )}
    <figure class="chart" aria-label="calibration" tabindex="0">
      ${raw(calibrationChart(v.calibration, `Calibration, ${v.folds}-fold cross-validation`))}
    </figure>
    ${
      roleAtLeast(c.get('principal').role, 'editor')
        ? html`<form method="post" action="/admin/sites/${encodeURIComponent(site)}/train/draft">
            <input type="hidden" name="model" value="${JSON.stringify(model)}" />
            <p>
              <button type="submit">Add "${model.id}" to the working copy as a draft</button>
              <span class="small muted">then name, document and publish it on the site page</span>
            </p>
          </form>`
        : html`<p class="small muted">
            Adding this model as a draft needs the role editor or above; you are ${c.get('principal').role}.
          </p>`
    }
  </section>`;
}
