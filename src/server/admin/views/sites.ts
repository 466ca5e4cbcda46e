/** The list of sites, and for owners the "New site" form. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { Role, SiteSummary } from '../../../core/schema.js';
import type { Flash, Html } from './layout.js';

/** What was typed into the New site form, and the refusal to show beside its field. */
export type NewSiteForm = {
  id: string;
  name: string;
  /** one origin per line (or separated by spaces or commas) */
  origins: string;
  template: string;
  error?: { message: string; field: string };
};

const BLANK: NewSiteForm = { id: '', name: '', origins: '', template: 'empty' };

/** The refusal, when it concerns `field` (`origins` covers `origins.N`). */
function errorAt(form: NewSiteForm, field: string): Html | '' {
  const f = form.error?.field;
  if (!f || !(f === field || f.startsWith(`${field}.`))) return '';
  return html`<span class="flash error small" id="error-${field}">${form.error!.message}</span>`;
}

/** The New site form: id, name, origins, template. */
function newSiteForm(form: NewSiteForm): Html {
  const known = ['id', 'name', 'origins', 'template'];
  const other = form.error && !known.some((k) => form.error!.field.split('.')[0] === k);
  return html`<h2>New site</h2>
    <form method="post" action="/admin/sites" class="card" id="new-site" style="max-width:560px">
      ${other ? html`<p class="flash error">${form.error!.message}</p>` : ''}
      <p>
        <label
          >Site id (letters, digits, _ . : -)<br /><input
            type="text"
            name="id"
            value="${form.id}"
            required
            maxlength="64"
        /></label>
        ${errorAt(form, 'id')}
      </p>
      <p>
        <label
          >Name<br /><input type="text" name="name" value="${form.name}" required maxlength="100"
        /></label>
        ${errorAt(form, 'name')}
      </p>
      <p>
        <label
          >Allowed origins, one per line (e.g. https://app.example.org)<br /><textarea
            name="origins"
            rows="3"
            cols="50"
            required
          >
${form.origins}</textarea>
        </label>
        ${errorAt(form, 'origins')}
      </p>
      <p>
        <label
          >Start from<br /><select name="template">
            <option value="empty" ${form.template === 'empty' ? 'selected' : ''}>
              empty (no features or models yet)
            </option>
            <option value="demo" ${form.template === 'demo' ? 'selected' : ''}>
              demo (the demo site's features and models)
            </option>
          </select></label
        >
        ${errorAt(form, 'template')}
      </p>
      <button type="submit">Create site</button>
    </form>`;
}

/** Every site with its published version and links to its pages; owners also get the New site form. */
export function sitesPage(
  sites: SiteSummary[],
  role: Role = 'analyst',
  form: NewSiteForm = BLANK,
  flash: Flash = {},
): Html {
  return html`<h1>Sites</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}
    ${scrolling(
      'Sites',
      html`<table>
        <tr>
          <th>Site</th>
          <th>Name</th>
          <th>Published version</th>
          <th>Published at</th>
          <th>Origins</th>
          <th></th>
        </tr>
        ${sites.map(
          (s) =>
            html`<tr>
              <td>
                <a href="/admin/sites/${s.id}"><code>${s.id}</code></a>
                ${s.disabledAt ? html`<span class="tag no">disabled</span>` : ''}
              </td>
              <td>${s.name}</td>
              <td>${s.currentVersion ?? html`<span class="muted">none</span>`}</td>
              <td class="small">${s.publishedAt ?? ''}</td>
              <td class="small">${s.origins.join(' ')}</td>
              <td>
                <a href="/admin/sites/${s.id}/estimates">Estimates</a> ·
                <a href="/admin/sites/${s.id}/refinement">Refine</a>
              </td>
            </tr>`,
        )}
      </table>`,
    )}
    ${role === 'owner' ? newSiteForm(form) : ''}`;
}
