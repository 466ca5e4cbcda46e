/**
 * A site's installation page: the origins that asked for its manifest in the last 24 hours (listed or
 * not), the reports stored per version and refused per reason, and for each problem what fixes it.
 */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { Installation, PublicJwks, ReportRefusalReason, Role } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** What each refusal reason means, and what to do about it. */
export const REFUSAL_MEANING: Record<ReportRefusalReason, string> = {
  'unknown-version':
    'the report names a manifest version this site never published: a device of another server or database, or a test that made up its version',
  superseded:
    'the report is under a version superseded more than two of its reporting periods ago: a device that has not fetched the manifest since (it drops such reports itself)',
  'disabled-site': 'the site is disabled: its reports are refused (410) and devices stop sending them',
  invalid:
    'the report is not one that version’s devices build (a field out of shape or range): a modified or outdated SDK, or a client that is not the SDK',
};

/** A gated count as the page shows it. */
const count = (n: number | null): string => (n === null ? 'fewer than k' : `about ${n}`);

/** The script tag to paste, with this server's URLs and keys. */
function snippet(site: string, base: string, keys: PublicJwks): string {
  return `<script src="${base}/edseg/edseg.js"
        data-site="${site}"
        data-manifest="${base}/v1/sites/${site}/manifest"
        data-collector="${base}/v1/reports"
        data-key='${JSON.stringify(keys)}'></script>`;
}

/** The installation page. `base`: this server's origin as the browser reached it. */
export function installationPage(v: Installation, role: Role, base: string, keys: PublicJwks): Html {
  const id = v.site;
  const owner = role === 'owner';
  const unlisted = v.origins.filter((o) => !o.listed && o.origin !== 'other');
  const other = v.origins.find((o) => o.origin === 'other');
  const addCommand = (o: string) =>
    `npx edseg-admin site origins ${id} --add ${o} && npx edseg-admin publish ${id}`;
  return html`<h1>Installation of <a href="/admin/sites/${id}">${id}</a></h1>
    <p class="small muted">
      What this server saw of the site's installation in the last ${v.hours} hours (${v.from} to ${v.to}):
      manifest requests per page origin, counted from the Origin header (counts only: no address, nothing per
      device, no user agent), and reports stored per version and refused per reason, through the disclosure
      gate (rounded to 10, "fewer than k" under ${v.kThreshold ?? 'k'}).
    </p>
    <h2>Page origins</h2>
    ${
      v.origins.length === 0
        ? html`<div class="card" data-testid="no-requests">
            <p class="flash error">
              No page asked for this site's manifest in the last ${v.hours} hours: the SDK is not installed on
              any page yet, or its data-manifest points elsewhere.
            </p>
            <p>Paste this where the page loads its scripts (then list the page's origin, below):</p>
            <pre><code>${snippet(id, base, keys)}</code></pre>
          </div>`
        : html`${scrolling(
            'Origins of manifest requests',
            html`<table data-testid="origins">
              <tr>
                <th>Origin</th>
                <th>Listed</th>
                <th>Manifest requests</th>
              </tr>
              ${v.origins.map(
                (o) =>
                  html`<tr>
                    <td style="overflow-wrap: anywhere"><code>${o.origin}</code></td>
                    <td>
                      ${o.listed ? html`<span class="tag yes">listed</span>` : html`<span class="tag no">not listed</span>`}
                    </td>
                    <td>${o.manifestRequests}</td>
                  </tr>`,
              )}
            </table>`,
          )}`
    }
    ${unlisted.map(
      (o) =>
        html`<div class="card" data-testid="unlisted" data-origin="${o.origin}">
          <p class="flash error">
            Pages on <code>${o.origin}</code> asked for the manifest, but it does not list this origin: they
            release nothing. Add the origin, then publish.
          </p>
          <p class="small">From the command line: <code>${addCommand(o.origin)}</code></p>
          ${
            owner
              ? html`<form method="post" action="/admin/sites/${id}/origins">
                  <input type="hidden" name="add" value="${o.origin}" />
                  <button type="submit">Add ${o.origin}</button>
                  <span class="small muted"
                    >then <a href="/admin/sites/${id}/review">Review and publish</a></span
                  >
                </form>`
              : html`<p class="small muted">
                  An owner adds origins (the site page's "Allowed origins"); an editor then publishes from
                  <a href="/admin/sites/${id}/review">Review and publish</a>.
                </p>`
          }
        </div>`,
    )}
    ${
      other
        ? html`<p class="small muted">
            "other": requests from origins past the first 50 of an hour, or with an Origin header that is not
            an origin, counted together.
          </p>`
        : ''
    }
    ${
      v.publishedVersion === null
        ? html`<p class="flash error">
            Not published yet: devices get no manifest until the site is published (<a
              href="/admin/sites/${id}/review"
              >Review and publish</a
            >, or <code>npx edseg-admin publish ${id}</code>).
          </p>`
        : html`<p class="small">
            Listed in the published manifest (version ${v.publishedVersion}):
            ${v.listedOrigins.map((o) => html`<code>${o}</code> `)}
          </p>`
    }
    <h2>Reports stored, by manifest version</h2>
    ${
      v.versions.length === 0
        ? html`<p class="small muted">None in the last ${v.hours} hours.</p>`
        : html`${scrolling(
            'Reports received per version',
            html`<table data-testid="versions">
              <tr>
                <th>Version</th>
                <th>Reports</th>
              </tr>
              ${v.versions.map(
                (r) =>
                  html`<tr>
                    <td>${r.version}${r.version === v.publishedVersion ? ' (published)' : ''}</td>
                    <td>${count(r.reports)}</td>
                  </tr>`,
              )}
            </table>`,
          )}`
    }
    <h2>Reports refused, by reason</h2>
    ${
      v.refused.length === 0
        ? html`<p class="small muted">None in the last ${v.hours} hours.</p>`
        : html`${scrolling(
            'Refused reports by reason',
            html`<table data-testid="refused">
              <tr>
                <th>Reason</th>
                <th>Refused</th>
                <th>What it means</th>
              </tr>
              ${v.refused.map(
                (r) =>
                  html`<tr>
                    <td><code>${r.reason}</code></td>
                    <td>${count(r.reports)}</td>
                    <td class="small">${REFUSAL_MEANING[r.reason]}</td>
                  </tr>`,
              )}
            </table>`,
          )}`
    }`;
}
