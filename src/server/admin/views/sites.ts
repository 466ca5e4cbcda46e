/** The list of sites. */
import { html } from 'hono/html';
import type { SiteSummary } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** Every site with its published version and links to its pages. */
export function sitesPage(sites: SiteSummary[]): Html {
  return html`<h1>Sites</h1>
    <table>
      <tr>
        <th>Site</th>
        <th>Name</th>
        <th>Published version</th>
        <th>Published at</th>
        <th></th>
      </tr>
      ${sites.map(
        (s) =>
          html`<tr>
            <td>
              <a href="/admin/sites/${s.id}"><code>${s.id}</code></a>
            </td>
            <td>${s.name}</td>
            <td>${s.currentVersion ?? html`<span class="muted">none</span>`}</td>
            <td class="small">${s.publishedAt ?? ''}</td>
            <td>
              <a href="/admin/sites/${s.id}/estimates">Estimates</a> ·
              <a href="/admin/sites/${s.id}/refinement">Refine</a>
            </td>
          </tr>`,
      )}
    </table>`;
}
