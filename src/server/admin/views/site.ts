/** One site: its published version, publish form, policy form, segments' documentation and versions. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { CatalogSegment, Role, SiteDefinition, SiteView } from '../../../core/schema.js';
import { roleAtLeast } from '../access.js';
import { siteSettings } from './site-settings.js';
import type { Flash, Html } from './layout.js';

/** Whether a segment serves a commercial purpose (marketing or advertising). */
/** A report count as the disclosure gate publishes it (rounded; null under kThreshold). */
const reportCount = (n: number | null): string => (n === null ? 'fewer than k' : `about ${n}`);
const isCommercial = (s: CatalogSegment): boolean => s.purpose === 'marketing' || s.purpose === 'advertising';

/**
 * A policy checkbox, on one line: the page's tests read `name="allowed" value="<segment>"` as
 * written. `allowed` is per segment; `clearModel` is per model (the channel is the model's: a model
 * is reported in clear whole or not at all, PRIVACY.md "The shape rule").
 */
function policyBox(name: 'allowed' | 'clearModel', id: string, checked: boolean): Html {
  // prettier-ignore
  return html`<input type="checkbox" name="${name}" value="${id}" aria-label="${name === 'allowed' ? 'allow' : 'report in clear: model'} ${id}" ${checked ? 'checked' : ''} />`;
}

/** The "report in clear" cell of a model, spanning its rows, on the row of its first segment only. */
function clearCell(segments: readonly CatalogSegment[], i: number): Html | '' {
  const s = segments[i]!;
  if (i > 0 && segments[i - 1]!.model === s.model) return '';
  const own = segments.filter((x) => x.model === s.model);
  return html`<td rowspan="${own.length}">
    ${policyBox(
      'clearModel',
      s.model,
      own.every((x) => x.clear),
    )}
  </td>`;
}

/** A segment with its tags and documentation. */
function segmentCard(site: string, s: CatalogSegment, editable: boolean): Html {
  const commercial = isCommercial(s);
  return html`<div class="card" id="seg-${s.id}">
    <h3>
      ${s.name} <code>${s.id}</code>
      ${editable ? html`<a class="small" href="/admin/sites/${site}/models/${s.model}/segments/${s.id}/documentation">Edit documentation</a>` : ''}
    </h3>
    <p>
      <span class="tag">model ${s.model} (${s.modelKind})</span><span class="tag">purpose: ${s.purpose}</span
      ><span class="tag">min age band: ${s.minAgeBand}</span>
      ${s.usesEducationRecord ? html`<span class="tag edu">uses education records: ${s.educationRecordFeatures.join(', ')}</span>` : html`<span class="tag">no education records</span>`}
      ${s.allowed ? html`<span class="tag yes">site may receive</span>` : html`<span class="tag no">site may not receive</span>`}
      ${s.clear ? html`<span class="tag">reportable in clear</span>` : ''}
    </p>
    ${s.usesEducationRecord && commercial ? html`<p class="flash error small">FERPA: this segment reads an education record and its purpose is ${s.purpose}; the SDK never releases it (rule ferpa-education-record), whatever the policy.</p>` : ''}
    <div class="grid">
      <div>
        <strong class="small">Criteria</strong>
        <p>${s.documentation.criteria}</p>
        <strong class="small">Data sources</strong>
        <ul>
          ${s.documentation.dataSources.map((d) => html`<li class="small">${d}</li>`)}
        </ul>
      </div>
      <div>
        <strong class="small">Validation</strong>
        <p class="small">${s.documentation.validation}</p>
        <strong class="small">Changelog</strong>
        <ul>
          ${s.documentation.changelog.map((e) => html`<li class="small">v${e.version} (${e.date}): ${e.change}</li>`)}
        </ul>
      </div>
    </div>
  </div>`;
}

/** The working copy's features and models, each with its editor, and the links to add one. */
function workingCopy(site: string, d: Pick<SiteDefinition, 'features' | 'models'>): Html {
  return html`<h2 id="working-copy">Working copy: features and models</h2>
    <p class="small muted">Edits are saved here and reach learners' devices at the next publish.</p>
    ${scrolling(
      'Features',
      html`<table>
        <tr>
          <th>Feature</th>
          <th>Kind</th>
          <th>Events</th>
          <th>Window</th>
          <th>Education record</th>
        </tr>
        ${d.features.map(
          (f) =>
            html`<tr>
              <td><a href="/admin/sites/${site}/features/${f.name}">${f.name}</a></td>
              <td>${f.kind}</td>
              <td class="small">${f.events.join(', ')}${f.prop ? html` · <code>${f.prop}</code>` : ''}</td>
              <td>${f.windowDays} d</td>
              <td>${f.educationRecord ? html`<span class="tag edu">yes</span>` : 'no'}</td>
            </tr>`,
        )}
      </table>`,
    )}
    <p><a href="/admin/sites/${site}/new-feature">Add a feature</a></p>
    ${scrolling(
      'Models',
      html`<table>
        <tr>
          <th>Model</th>
          <th>Kind</th>
          <th>Purpose</th>
          <th>Features</th>
          <th>Segments</th>
        </tr>
        ${d.models.map(
          (m) =>
            html`<tr>
              <td><a href="/admin/sites/${site}/models/${m.id}">${m.id}</a></td>
              <td>${m.kind}</td>
              <td>${m.purpose}</td>
              <td class="small">${m.features.join(', ')}</td>
              <td class="small">${m.segments.map((s) => s.id).join(', ')}</td>
            </tr>`,
        )}
      </table>`,
    )}
    <p><a href="/admin/sites/${site}/new-model">Add a model</a></p>`;
}

/** The site page, with the flash a redirect carried; `role` decides which owner forms show; when given, the working copy's editors. */
export function sitePage(
  v: SiteView,
  flash: Flash,
  role: Role = 'analyst',
  working?: Pick<SiteDefinition, 'features' | 'models'>,
): Html {
  const id = v.site.id;
  return html`<h1>${v.site.name} <code>${id}</code></h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <div class="grid">
      <div class="card">
        ${
          v.current
            ? html`<p>
                <strong>Published: version ${v.current.version}</strong> by ${v.current.publishedBy},
                ${v.current.publishedAt}<br />
                <span class="small muted"
                  >valid until ${v.current.expiresAt}, signed with key <code>${v.current.kid}</code></span
                >
              </p>`
            : html`<p>Not published yet.</p>`
        }
        <p class="small">Origins: ${v.site.origins.map((o) => html`<code>${o}</code> `)}</p>
        <p class="small">
          Reports: ${reportCount(v.reports.currentVersion)} for the published version,
          ${reportCount(v.reports.total)} in all (rounded to 10).
          <a href="/admin/sites/${id}/installation">Installation</a> ·
          <a href="/admin/sites/${id}/estimates">Estimates dashboard</a> ·
          <a href="/admin/sites/${id}/refinement">Refine centroids</a> ·
          <a href="/admin/sites/${id}/fit" data-testid="site-fit-link">Fit segments from a learner CSV</a> ·
          <a href="/admin/sites/${id}/train" data-testid="site-train-link">Train a predictive segment</a> ·
          <a href="/admin/audit?site=${id}">Audit log</a> ·
          <a href="/v1/sites/${id}/manifest">Signed manifest</a>
        </p>
      </div>
      <div class="card">
        <strong>Publish</strong>
        <p class="small">
          ${v.pending.length ? html`Pending changes: ${v.pending.join('; ')}` : 'No pending changes: publishing re-signs with a new expiry.'}
        </p>
        <p>
          <a class="button" href="/admin/sites/${id}/review"
            >Review and publish version ${(v.current?.version ?? 0) + 1}</a
          >
        </p>
      </div>
    </div>
    ${siteSettings(v, role)}

    <h2>Policy for this site</h2>
    <form method="post" action="/admin/sites/${id}/policy">
      ${scrolling(
        'Policy by segment',
        html`<table>
          <tr>
            <th>Segment</th>
            <th>Model</th>
            <th>Purpose</th>
            <th>Education record</th>
            <th>Site may receive</th>
            <th>Report in clear (per model)</th>
          </tr>
          ${v.segments.map(
            (s, i) =>
              html`<tr>
                <td><a href="#seg-${s.id}">${s.name}</a> <code>${s.id}</code></td>
                <td>${s.model}</td>
                <td>${s.purpose}</td>
                <td>
                  ${s.usesEducationRecord ? html`<span class="tag edu">yes</span>${isCommercial(s) ? html`<span class="tag no">never released (FERPA)</span>` : ''}` : 'no'}
                </td>
                <td>${policyBox('allowed', s.id, s.allowed)}</td>
                ${clearCell(v.segments, i)}
              </tr>`,
          )}
        </table>`,
      )}
      ${flash.policyError ? html`<p class="flash error" id="policy-error">${flash.policyError}</p>` : ''}
      <p class="small muted">
        Saving changes the working policy; it reaches learners' devices at the next publish. "Report in clear"
        is per model (every segment of the model, or none: which fields a report has must not tell the
        segment) and needs "may receive" for each of its segments.
      </p>
      ${
        roleAtLeast(role, 'editor')
          ? html`<button type="submit">Save policy</button>`
          : html`<p class="small muted" id="policy-needs-role">
              Read only: saving the policy needs the role editor or above; you are ${role}.
            </p>`
      }
    </form>

    ${working && role !== 'analyst' ? workingCopy(id, working) : ''}

    <h2>Segments and their documentation</h2>
    ${v.segments.map((s) => segmentCard(id, s, role !== 'analyst'))}

    <h2>Versions</h2>
    ${scrolling(
      'Versions',
      html`<table>
        <tr>
          <th>Version</th>
          <th>Published at</th>
          <th>By</th>
          <th>Key</th>
        </tr>
        ${v.versions.map(
          (x) =>
            html`<tr>
              <td>${x.version}</td>
              <td class="small">${x.publishedAt}</td>
              <td>${x.publishedBy}</td>
              <td><code>${x.kid}</code></td>
            </tr>`,
        )}
      </table>`,
    )}`;
}
