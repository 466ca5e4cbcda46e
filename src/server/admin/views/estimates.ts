/** The estimates dashboard of one published version. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { PublishedEstimates } from '../../../core/schema.js';
import { num, shareCell } from './format.js';
import type { Html } from './layout.js';

/** A version's estimates per model and segment, and the population's feature means, with links to the other versions. */
export function estimatesPage(id: string, est: PublishedEstimates, versions: number[]): Html {
  const count = (n: number | null) => (n === null ? `fewer than ${est.kThreshold}` : `about ${n}`);
  return html`<h1>Estimates · <code>${id}</code> v${est.manifestVersion}</h1>
    <form method="get" class="small">
      Version:
      ${versions.map((n) => html`<a href="?version=${n}">${n === est.manifestVersion ? html`<strong>${n}</strong>` : n}</a> `)}
    </form>
    <p class="small muted">
      ${count(est.reports)} reports for this version,
      ${est.live ? 'the live period included (the public endpoint shows closed periods only)' : 'closed periods only'};
      counts are rounded to the nearest ${est.rounding}, and cells backed by fewer than ${est.kThreshold}
      reports are suppressed, with as many more as it takes that none can be recovered from the totals.
      Generated ${est.generatedAt}. LDP estimates are debiased; intervals are 95%.
    </p>
    ${est.models.map(
      (m) =>
        html`<h2>${m.model} <span class="tag">${m.purpose}</span></h2>
          <p class="small muted">
            ${count(m.n.clear)} reports in clear, ${count(m.n.ldp)} through local differential privacy.
          </p>
          ${scrolling(
            `Segments of ${m.model}`,
            html`<table>
              <tr>
                <th>Segment</th>
                <th style="width:45%">Share</th>
                <th>Support</th>
                <th>Feature means (normalised, [-1, 1])</th>
              </tr>
              ${m.segments.map(
                (s) =>
                  html`<tr>
                    <td>${s.name} <code>${s.id}</code></td>
                    <td>${shareCell(s.share, s.suppressed, est.kThreshold)}</td>
                    <td>${s.support === null ? '—' : s.support}</td>
                    <td class="small">
                      ${
                        s.featureMeans.some((f) => f.estimate)
                          ? html`<ul>
                              ${s.featureMeans.map((f) => html`<li>${f.feature}: ${f.estimate ? html`${num(f.estimate.value)} <span class="muted">[${num(f.estimate.lo)}, ${num(f.estimate.hi)}]</span>` : '—'}</li>`)}
                            </ul>`
                          : html`<span class="muted">suppressed</span>`
                      }
                    </td>
                  </tr>`,
              )}
            </table>`,
          )}`,
    )}
    <h2>Population feature means</h2>
    ${scrolling(
      'Population feature means',
      html`<table>
        <tr>
          <th>Feature</th>
          <th>Reports</th>
          <th>Mean (normalised)</th>
        </tr>
        ${est.features.map(
          (f) =>
            html`<tr>
              <td><code>${f.feature}</code></td>
              <td>${f.n === null ? `< ${est.kThreshold}` : f.n}</td>
              <td>
                ${f.suppressed || !f.estimate ? html`<span class="tag no">suppressed</span>` : html`${num(f.estimate.value)} <span class="small muted">95% CI [${num(f.estimate.lo)}, ${num(f.estimate.hi)}]</span>`}
              </td>
            </tr>`,
        )}
      </table>`,
    )}`;
}
