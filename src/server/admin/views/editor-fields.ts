/**
 * The form controls of the working copy's editors. Every control shows what the form holds (the
 * stored value, or what was typed when a post was refused) and, beside it, the messages of the
 * issues whose field it stands for: an issue at `clip.1` shows beside the control `clip`.
 */
import { html } from 'hono/html';
import type { Html } from './layout.js';

/** A form's fields as typed (or as stored, rendered to text), by field name. */
export type Values = Record<string, string>;
/** Issues by field path in the form's terms ("clip.0", "segments.2.centroid", "(form)"). */
export type FieldErrors = Record<string, string[]>;

/** Whether an issue at `key` belongs to the control `name` (the same path or one inside it). */
const under = (key: string, name: string) => key === name || key.startsWith(`${name}.`);

/** The messages of the issues under `name`. */
export const errorsAt = (errors: FieldErrors, name: string): string[] =>
  Object.entries(errors).flatMap(([key, messages]) => (under(key, name) ? messages : []));

/** The messages no control of `names` shows: the form lists them at its top. */
export const unplaced = (errors: FieldErrors, names: readonly string[]): string[] =>
  Object.entries(errors).flatMap(([key, messages]) => (names.some((n) => under(key, n)) ? [] : messages));

/** The messages beside a control (role=alert, id for aria-describedby). */
export function fieldError(errors: FieldErrors, name: string): Html | '' {
  const messages = errorsAt(errors, name);
  return messages.length
    ? html`<span class="field-error" id="error-${name}" role="alert">${messages.join('; ')}</span>`
    : '';
}

const described = (errors: FieldErrors, name: string) =>
  errorsAt(errors, name).length ? `error-${name}` : undefined;

/** A text input on one line (the tests read `name="x" value="typed"` as written). */
function input(v: Values, e: FieldErrors, name: string): Html {
  const d = described(e, name);
  // prettier-ignore
  return html`<input type="text" name="${name}" value="${v[name] ?? ''}"${d ? html` aria-describedby="${d}"` : ''} />`;
}

/**
 * A label's text: shown, or for a control in a table row whose column heading already says it
 * (`{ hidden: 'Segment 2 id' }`), read by assistive technology only; never absent.
 */
export type Label = string | { hidden: string };
const labelText = (label: Label): Html =>
  typeof label === 'string'
    ? html`<span>${label}</span>`
    : html`<span class="visually-hidden">${label.hidden}</span>`;

/** A labelled text input. */
export function textField(v: Values, e: FieldErrors, name: string, label: Label, hint = ''): Html {
  return html`<label class="field${errorsAt(e, name).length ? ' invalid' : ''}"
    >${labelText(label)} ${input(v, e, name)} ${hint ? html`<small class="muted">${hint}</small>` : ''}
    ${fieldError(e, name)}</label
  >`;
}

/** A textarea on one line: what it holds starts right after the tag. */
function area(v: Values, e: FieldErrors, name: string, rows: number): Html {
  const d = described(e, name);
  // prettier-ignore
  return html`<textarea name="${name}" rows="${rows}"${d ? html` aria-describedby="${d}"` : ''}>${v[name] ?? ''}</textarea>`;
}

/** A labelled textarea. */
export function textArea(v: Values, e: FieldErrors, name: string, label: string, hint = '', rows = 3): Html {
  return html`<label class="field${errorsAt(e, name).length ? ' invalid' : ''}"
    ><span>${label}</span> ${area(v, e, name, rows)} ${hint ? html`<small class="muted">${hint}</small>` : ''}
    ${fieldError(e, name)}</label
  >`;
}

/** A labelled select; a typed value that is not an option stays selected as its own option, so nothing typed is lost. */
export function selectField(
  v: Values,
  e: FieldErrors,
  name: string,
  label: Label,
  options: readonly string[],
): Html {
  const value = v[name] ?? '';
  const all = options.includes(value) || value === '' ? options : [...options, value];
  return html`<label class="field${errorsAt(e, name).length ? ' invalid' : ''}"
    >${labelText(label)}
    <select name="${name}">
      ${all.map((o) => html`<option value="${o}" ${o === value ? 'selected' : ''}>${o}</option>`)}
    </select>
    ${fieldError(e, name)}</label
  >`;
}

/** A labelled checkbox ("on" when ticked). */
export function checkField(v: Values, e: FieldErrors, name: string, label: Label): Html {
  return html`<label class="field check"
    ><input type="checkbox" name="${name}" value="on" ${v[name] === 'on' ? 'checked' : ''} />
    ${labelText(label)} ${fieldError(e, name)}</label
  >`;
}

/** The top of a refused form: how many issues, and those no control shows. */
export function formErrors(e: FieldErrors, names: readonly string[]): Html | '' {
  const count = Object.values(e).flat().length;
  if (count === 0) return '';
  const rest = unplaced(e, names);
  return html`<div class="flash error" role="alert">
    <strong>Not saved: ${count === 1 ? 'one field needs' : `${count} fields need`} fixing</strong>; each
    message is beside its field, and what you typed is kept.
    ${
      rest.length
        ? html`<ul>
            ${rest.map((m) => html`<li>${m}</li>`)}
          </ul>`
        : ''
    }
  </div>`;
}
