/** The refinement proposal of a site and its publish form. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { RefinementProposal, Role, SegmentRefinement } from '../../../core/schema.js';
import { roleAtLeast } from '../access.js';
import { num, shareCell, vec } from './format.js';
import type { Flash, Html } from './layout.js';

/** One segment of the proposal: share, support, old and proposed centroid, movement, why it is skipped. */
function refinementRow(s: SegmentRefinement, k: number): Html {
  return html`<tr>
    <td>${s.name} <code>${s.id}</code></td>
    <td>${shareCell(s.share, s.share === null, k)}</td>
    <td>${s.share === null || s.support === null ? '—' : s.support}</td>
    <td><code>${vec(s.old)}</code></td>
    <td>
      ${
        s.skipped
          ? html`<span class="muted">unchanged</span>`
          : html`<code>${vec(s.proposed)}</code
              >${s.damped && s.target ? html`<br /><span class="small muted">target <code>${vec(s.target)}</code></span>` : ''}
              <br /><span class="small muted"
                >means ± ${num(Math.max(...s.means.map((m) => (m ? m.hi - m.value : 0))))} at most (95%)</span
              >`
      }
    </td>
    <td>
      ${s.skipped ? '—' : html`${num(s.movement)}${s.damped ? html` <span class="tag">damped</span>` : ''}`}
    </td>
    <td class="small">
      ${s.skipped ? html`<span class="tag no">${s.skipped.reason}</span> ${s.skipped.detail}` : ''}
    </td>
  </tr>`;
}

/** The proposal per model, the recompute form and the publish form. */
export function refinementPage(id: string, p: RefinementProposal, flash: Flash, role: Role): Html {
  const k = p.manifest.reporting.kThreshold;
  // Counts as the disclosure gate publishes them: rounded, null under k.
  const count = (n: number | null) => (n === null ? `fewer than ${k}` : `about ${n}`);
  return html`<h1>Refine centroids · <code>${id}</code> v${p.baseVersion}</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <p class="small muted">
      One damped Lloyd step from ${count(p.reports)} reports of version ${p.baseVersion}'s series (estimated
      ${p.generatedAt}): each centroid moves towards its segment's estimated mean feature vector (normalised,
      [-1, 1]), by at most ${p.maxStep} (L2). Segments that are suppressed, backed by fewer than
      ${p.minSupport} reports, or without feature means keep their centroid. The means are noisy: read the
      intervals, and treat this as a proposal to review, not a retrain.
    </p>
    <form method="get" class="small">
      <label
        >Max step <input type="text" name="maxStep" value="${p.maxStep}" size="5" style="width:6rem"
      /></label>
      <label
        >Min support <input type="text" name="minSupport" value="${p.minSupport}" size="5" style="width:6rem"
      /></label>
      <button class="ghost" type="submit">Recompute</button>
    </form>
    ${p.models.map((m) =>
      m.refinable
        ? html`<h2>
              ${m.model} <span class="tag">${m.purpose}</span
              ><span class="tag">centroids</span
              >${m.changed ? '' : html`<span class="tag no">nothing to refine</span>`}
            </h2>
            <p class="small muted">
              ${count(m.reports.total)} reports (${count(m.reports.clear)} in clear, ${count(m.reports.ldp)}
              through local differential privacy; counts rounded to 10). Features:
              ${m.features.map((f) => html`<code>${f}</code> `)}
            </p>
            ${scrolling(
              `Proposed centroids of ${m.model}`,
              html`<table>
                <tr>
                  <th>Segment</th>
                  <th style="width:26%">Share</th>
                  <th>Reports</th>
                  <th>Old centroid</th>
                  <th>Proposed centroid</th>
                  <th>Movement</th>
                  <th>Skipped</th>
                </tr>
                ${m.segments.map((s) => refinementRow(s, k))}
              </table>`,
            )}`
        : html`<h2>${m.model} <span class="tag">${m.purpose}</span><span class="tag">softmax</span></h2>
            <p class="small muted">Not refinable by this method: ${m.reason}.</p>`,
    )}
    <h2>Publish</h2>
    ${
      p.changedModels.length === 0
        ? html`<p class="card">Nothing to refine: every segment is skipped or already at its target.</p>`
        : !roleAtLeast(role, 'editor')
          ? html`<p class="card small muted" id="publish-needs-role">
              ${p.changedModels.length} model(s) would move. Publishing refined centroids needs the role
              editor or above; you are ${role}.
            </p>`
          : html`<form method="post" action="/admin/sites/${id}/refinement/publish" class="card">
              <input type="hidden" name="version" value="${p.baseVersion}" /><input
                type="hidden"
                name="maxStep"
                value="${p.maxStep}"
              /><input type="hidden" name="minSupport" value="${p.minSupport}" />
              <p>
                ${p.changedModels.map((m) => html`<label><input type="checkbox" name="models" value="${m}" checked /> ${m}</label> `)}
              </p>
              <p class="small muted">
                Publishes version ${p.version}: the ticked models' proposed centroids (recomputed from the
                estimates at that moment, as shown here), signed, with a changelog entry on each moved segment
                and an audit entry. Pending edits to the site stay pending.
              </p>
              <p>
                <input
                  type="text"
                  name="note"
                  maxlength="500"
                  placeholder="Note for the audit log (optional)"
                />
              </p>
              <button type="submit">Publish refined centroids</button>
            </form>`
    }`;
}
