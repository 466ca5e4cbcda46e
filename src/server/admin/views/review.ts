/** "Review and publish": the working copy against the published version, field by field, and the publish form. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { FieldChange, ItemDiff, WorkingDiff } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** One field: old → new (a value only on one side is added or removed). */
function changeRow(c: FieldChange): Html {
  return html`<tr>
    <td><code>${c.field}</code></td>
    <td>${c.old === null ? html`<span class="muted">—</span>` : html`<del>${c.old}</del>`}</td>
    <td>${c.new === null ? html`<span class="muted">removed</span>` : html`<ins>${c.new}</ins>`}</td>
  </tr>`;
}

function changeTable(changes: readonly FieldChange[]): Html | '' {
  return changes.length
    ? html`${scrolling(
        'Changes',
        html`<table class="diff">
          <tr>
            <th>Field</th>
            <th>Published</th>
            <th>Working copy</th>
          </tr>
          ${changes.map(changeRow)}
        </table>`,
      )}`
    : '';
}

const statusTag = (s: ItemDiff['status']) =>
  html`<span class="tag ${s === 'added' ? 'yes' : s === 'removed' ? 'no' : ''}">${s}</span>`;

function itemBlock(what: string, d: ItemDiff, extra: Html | '' = ''): Html {
  return html`<div class="card diff-item" id="diff-${what}-${d.id}">
    <h3>${what} <code>${d.id}</code> ${statusTag(d.status)}</h3>
    ${changeTable(d.changes)} ${extra}
  </div>`;
}

/** A list change (origins, policy) in words: "+ x" added, "− x" removed. */
const listRows = (title: string, changes: readonly FieldChange[]): Html | '' =>
  changes.length
    ? html`<h2>${title}</h2>
        <ul>
          ${changes.map(
            (c) =>
              html`<li>
                <code>${c.field}</code>
                ${c.new !== null ? html`<ins>+ ${c.new}</ins>` : html`<del>− ${c.old}</del>`}
              </li>`,
          )}
        </ul>`
    : '';

/** The review page: every difference, then the publish form with its optional note. */
export function reviewPage(d: WorkingDiff, nextVersion: number): Html {
  const site = d.site;
  return html`<p><a href="/admin/sites/${site}">← ${site}</a></p>
    <h1>Review and publish <code>${site}</code></h1>
    <p>
      ${d.publishedVersion === null ? 'Nothing is published yet: everything below is new.' : html`The working copy against the published version ${d.publishedVersion}.`}
    </p>
    ${d.empty ? html`<p class="flash">No changes: publishing re-signs version ${d.publishedVersion} as ${nextVersion} with a new expiry.</p>` : ''}
    ${listRows('Origins', d.origins)}
    ${
      d.features.length
        ? html`<h2>Features</h2>
            ${d.features.map((f) => itemBlock('feature', f))}`
        : ''
    }
    ${
      d.models.length
        ? html`<h2>Models and segments</h2>
            ${d.models.map((m) =>
              itemBlock(
                'model',
                m,
                m.segments.length
                  ? html`<div class="segments">${m.segments.map((s) => itemBlock('segment', s))}</div>`
                  : '',
              ),
            )}`
        : ''
    }
    ${listRows('Policy', d.policy)}
    ${
      d.reporting.length
        ? html`<h2>Reporting</h2>
            ${changeTable(d.reporting)}`
        : ''
    }
    ${
      d.retention.length
        ? html`<h2>Retention</h2>
            ${changeTable(d.retention)}`
        : ''
    }
    <div class="card">
      <form method="post" action="/admin/sites/${site}/publish">
        <p class="small muted">
          Publishing signs the working copy as version ${nextVersion}; every changed segment gets a changelog
          entry saying what changed and who published it.
        </p>
        <label class="field"
          ><span>Note (optional, for the audit log and the changelog)</span>
          <input type="text" name="note" maxlength="500"
        /></label>
        <p><button type="submit">Publish version ${nextVersion}</button></p>
      </form>
    </div>`;
}
