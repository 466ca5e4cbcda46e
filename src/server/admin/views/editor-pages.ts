/** The working copy's editor pages: a feature, a model with its segments, a segment's documentation card. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import { AGE_BANDS, FEATURE_KINDS, PURPOSES } from '../../../core/schema.js';
import type { Model, Segment } from '../../../core/schema.js';
import { checkField, fieldError, formErrors, selectField, textArea, textField } from './editor-fields.js';
import type { FieldErrors, Values } from './editor-fields.js';
import type { Html } from './layout.js';

/** The controls of the feature form, by field name (an issue under none of them is listed at the top). */
export const FEATURE_FIELDS = [
  'name',
  'kind',
  'events',
  'prop',
  'denominator',
  'key',
  'values',
  'default',
  'windowDays',
  'transform',
  'clip',
  'normalisation',
  'educationRecord',
  'description',
] as const;

const siteLink = (site: string) => html`<a href="/admin/sites/${site}">← ${site}</a>`;

/** The feature form: `name` null for a new feature (the name is typed), else the feature being edited. */
export function featurePage(site: string, name: string | null, v: Values, e: FieldErrors): Html {
  const action = name ? `/admin/sites/${site}/features/${name}` : `/admin/sites/${site}/new-feature`;
  return html`<p>${siteLink(site)}</p>
    <h1>${name ? html`Feature <code>${name}</code>` : 'New feature'}</h1>
    <p class="small muted">Saved to the working copy; learners' devices get it at the next publish.</p>
    ${formErrors(e, FEATURE_FIELDS)}
    <form method="post" action="${action}" class="editor">
      ${name ? html`<input type="hidden" name="name" value="${name}" />` : textField(v, e, 'name', 'Name', 'a letter, then letters, digits, _ . : -')}
      ${selectField(v, e, 'kind', 'Kind', FEATURE_KINDS)}
      ${textField(v, e, 'events', 'Event types', 'comma-separated, e.g. lesson_complete, quiz_answer')}
      ${textField(v, e, 'prop', 'Prop', 'the numeric prop a sum, mean or ratio reads (optional for count and ratio)')}
      ${textField(v, e, 'denominator', 'Denominator events', 'ratio only, comma-separated (default: the event types)')}
      ${textField(v, e, 'key', 'Declared key', 'declared only: the preference read')}
      ${textField(v, e, 'values', 'Declared values', 'declared only: value=number pairs in [-1, 1], comma-separated')}
      ${textField(v, e, 'default', 'Declared default', 'declared only, in [-1, 1] (default 0)')}
      ${textField(v, e, 'windowDays', 'Window (days)', '1 to 366')}
      ${selectField(v, e, 'transform', 'Transform', ['none', 'log1p', 'sqrt'])}
      <fieldset>
        <legend>Clip [lo, hi]</legend>
        ${textField(v, e, 'clip.0', 'lo')} ${textField(v, e, 'clip.1', 'hi')}
        ${fieldError(Object.fromEntries(Object.entries(e).filter(([k]) => k === 'clip')), 'clip')}
      </fieldset>
      <fieldset>
        <legend>Normalisation</legend>
        ${selectField(v, e, 'normalisation.kind', 'Kind', ['minmax', 'zscore'])}
        ${textField(v, e, 'normalisation.mean', 'Mean (zscore)')}
        ${textField(v, e, 'normalisation.sd', 'SD (zscore)')}
        ${textField(v, e, 'normalisation.scale', 'Scale (zscore, default 3)')}
        ${fieldError(Object.fromEntries(Object.entries(e).filter(([k]) => k === 'normalisation')), 'normalisation')}
      </fieldset>
      ${checkField(v, e, 'educationRecord', 'Reads an education record (scores, grades, assessment results): FERPA applies')}
      ${textArea(v, e, 'description', 'Description')}
      <p><button type="submit">Save feature</button></p>
    </form>
    ${
      name
        ? html`<form method="post" action="/admin/sites/${site}/features/${name}/delete">
            <button class="ghost" type="submit">Delete feature ${name}</button>
          </form>`
        : ''
    }`;
}

/** The controls of the model form (segment rows are `segments.N.*`). */
export const MODEL_FIELDS = [
  'id',
  'kind',
  'purpose',
  'features',
  'description',
  'segments',
  'weights',
  'bias',
];

/** The model form with one row per segment and a blank row to add one; `id` null for a new model. */
export function modelPage(site: string, id: string | null, rows: number, v: Values, e: FieldErrors): Html {
  const action = id ? `/admin/sites/${site}/models/${id}` : `/admin/sites/${site}/new-model`;
  const softmax = v['kind'] === 'softmax';
  return html`<p>${siteLink(site)}</p>
    <h1>${id ? html`Model <code>${id}</code>` : 'New model'}</h1>
    <p class="small muted">
      Saved to the working copy; learners' devices get it at the next publish. Centroids are in normalised
      feature space ([-1, 1]), one coordinate per feature in the order listed.
    </p>
    ${formErrors(e, MODEL_FIELDS)}
    <form method="post" action="${action}" class="editor">
      ${id ? html`<input type="hidden" name="id" value="${id}" />` : textField(v, e, 'id', 'Id', 'a letter, then letters, digits, _ . : -')}
      ${selectField(v, e, 'kind', 'Kind', ['centroids', 'softmax'])}
      ${selectField(v, e, 'purpose', 'Purpose', PURPOSES)}
      ${textField(v, e, 'features', 'Features read', 'feature names, comma-separated, in input order')}
      ${textArea(v, e, 'description', 'Description')}
      <h2>Segments</h2>
      ${fieldError(Object.fromEntries(Object.entries(e).filter(([k]) => k === 'segments')), 'segments')}
      ${scrolling(
        'Segments',
        html`<table>
          <tr>
            <th>Id</th>
            <th>Name</th>
            <th>Min age band</th>
            ${softmax ? '' : html`<th>Centroid</th>`}
            <th>Remove</th>
          </tr>
          ${Array.from({ length: rows }, (_, i) => {
            const p = `segments.${i}`;
            const row = `Segment ${i + 1}`;
            return html`<tr>
              <td>
                ${v[`${p}.was`] ? html`<input type="hidden" name="${p}.was" value="${v[`${p}.was`]}" />` : ''}
                ${textField(v, e, `${p}.id`, { hidden: `${row} id` })}
              </td>
              <td>${textField(v, e, `${p}.name`, { hidden: `${row} name` })}</td>
              <td>
                ${selectField(
                  v,
                  e,
                  `${p}.minAgeBand`,
                  { hidden: `${row} min age band` },
                  AGE_BANDS.filter((b) => b !== 'unknown'),
                )}
              </td>
              ${softmax ? '' : html`<td>${textField(v, e, `${p}.centroid`, { hidden: `${row} centroid` }, 'comma-separated')}</td>`}
              <td>${checkField(v, e, `${p}.remove`, 'remove')}</td>
            </tr>`;
          })}
        </table>`,
      )}
      <p class="small muted">The last row adds a segment when its id is filled in; document it once saved.</p>
      ${
        softmax
          ? html`${textArea(v, e, 'weights', 'Weights', 'one line per feature, one comma-separated number per segment', 4)}
            ${textField(v, e, 'bias', 'Bias', 'one number per segment, comma-separated')}`
          : ''
      }
      <p><button type="submit">Save model</button></p>
    </form>
    ${
      id
        ? html`<form method="post" action="/admin/sites/${site}/models/${id}/delete">
            <button class="ghost" type="submit">Delete model ${id}</button>
          </form>`
        : ''
    }`;
}

/** The controls of the documentation form. */
export const DOC_FIELDS = ['dataSources', 'criteria', 'validation'] as const;

/** A segment's documentation card form, with its model's purpose and its changelog (written on publish). */
export function documentationPage(
  site: string,
  model: Model,
  segment: Segment,
  v: Values,
  e: FieldErrors,
): Html {
  return html`<p>${siteLink(site)}</p>
    <h1>Documentation of ${segment.name} <code>${segment.id}</code></h1>
    <p>
      <span class="tag">model <a href="/admin/sites/${site}/models/${model.id}">${model.id}</a></span
      ><span class="tag">purpose: ${model.purpose}</span>
      <span class="small muted">(the model's: edit it there)</span>
    </p>
    ${formErrors(e, DOC_FIELDS)}
    <form
      method="post"
      action="/admin/sites/${site}/models/${model.id}/segments/${segment.id}/documentation"
      class="editor"
    >
      ${textArea(v, e, 'dataSources', 'Data sources', 'one per line: which events and props feed it', 4)}
      ${textArea(v, e, 'criteria', 'Criteria', 'what a learner meets to be in it', 4)}
      ${textArea(v, e, 'validation', 'Validation', 'how it was validated, with figures (or that it is not)', 4)}
      <p><button type="submit">Save documentation</button></p>
    </form>
    <h2>Changelog</h2>
    <p class="small muted">Written by the server on every publish that changes this segment.</p>
    <ul>
      ${segment.documentation.changelog.map((x) => html`<li class="small">v${x.version} (${x.date}): ${x.change}</li>`)}
    </ul>`;
}
