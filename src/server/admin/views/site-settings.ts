/** A site's settings on its page: its reporting (shown), the allowed origins (owners add, remove) and disabling it. */
import { html } from 'hono/html';
import type { Role, SiteView } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** The origins card (editable by owners) and, for owners, the disable form; a disabled site says so. */
export function siteSettings(v: SiteView, role: Role): Html {
  const id = v.site.id;
  const owner = role === 'owner';
  const { budget } = v.reporting;
  return html`<div class="grid" id="site-settings">
    <div class="card" data-testid="site-reporting">
      <strong>Reporting</strong>
      <p class="small muted">Changed by owners only; live at the next publish.</p>
      <p class="small">
        A report every ${v.reporting.periodDays} days; at most epsilon ${budget.maxEpsilon} per
        ${budget.windowDays} days; k = ${v.reporting.kThreshold}.
      </p>
      <p class="small" data-testid="fresh-store">
        New or wiped device store (<code>freshStore: ${budget.freshStore ?? 'report'}</code>):
        ${
          budget.freshStore === 'wait'
            ? html`waits a full budget window before its first report, so a device whose storage was deleted
              (Safari's 7-day rule) never spends a window twice.`
            : html`reports at once, as a new device (a device whose storage was deleted may spend a second
              window).`
        }
      </p>
    </div>
    <div class="card">
      <strong>Allowed origins</strong>
      <p class="small muted">
        Pages on these origins may use the manifest. Edits reach devices at the next publish.
      </p>
      <ul>
        ${v.site.origins.map(
          (o) =>
            html`<li>
              <code>${o}</code>
              ${
                owner
                  ? html`<form method="post" action="/admin/sites/${id}/origins" style="display:inline">
                      <input type="hidden" name="remove" value="${o}" /><button class="ghost" type="submit">
                        Remove
                      </button>
                    </form>`
                  : ''
              }
            </li>`,
        )}
      </ul>
      ${
        owner
          ? html`<form method="post" action="/admin/sites/${id}/origins">
              <label
                >Add an origin
                <input type="url" name="add" placeholder="https://app.example.org" required maxlength="200"
              /></label>
              <button type="submit">Add</button>
            </form>`
          : ''
      }
    </div>
    <div class="card">
      ${
        v.site.disabledAt
          ? html`<p class="flash error">
              Disabled since ${v.site.disabledAt}: no manifest is served and reports are refused (410).
            </p>`
          : owner
            ? html`<form method="post" action="/admin/sites/${id}/disable">
                <strong>Disable this site</strong>
                <p class="small muted">
                  Stops serving its manifest and refuses its reports (410). Versions, reports and the audit
                  log stay.
                </p>
                <label
                  >Type <code>${id}</code> to confirm <input type="text" name="confirm" required
                /></label>
                <button type="submit">Disable</button>
              </form>`
            : html`<p class="small muted">Enabled.</p>`
      }
    </div>
  </div>`;
}
