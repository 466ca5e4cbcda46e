/** The audit log. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { AuditRecord } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** The audit log's entries, of one site or of all. */
export function auditPage(entries: AuditRecord[], site: string | undefined): Html {
  return html`<h1>Audit log${site ? html` · <code>${site}</code>` : ''}</h1>
    ${scrolling(
      'Audit log entries',
      html`<table>
        <tr>
          <th>#</th>
          <th>When</th>
          <th>Who</th>
          <th>What</th>
          <th>Site</th>
          <th>Version</th>
          <th>Summary</th>
        </tr>
        ${entries.map(
          (e) =>
            html`<tr>
              <td>${e.id}</td>
              <td class="small">${e.at}</td>
              <td>${e.actor}</td>
              <td><code>${e.action}</code></td>
              <td>${e.site ? html`<a href="/admin/sites/${e.site}">${e.site}</a>` : ''}</td>
              <td>${e.version ?? ''}</td>
              <td class="small">
                ${e.summary}${typeof e.detail['note'] === 'string' ? html`<br /><span class="muted">note: ${e.detail['note']}</span>` : ''}
              </td>
            </tr>`,
        )}
      </table>`,
    )}`;
}
