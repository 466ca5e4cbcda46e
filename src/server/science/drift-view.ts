/**
 * The console's drift section, shown under a site's estimates: each published share or per-segment
 * feature mean that moved beyond its interval against the previous periods (science/drift.ts, from
 * the gate's timeline), the number of flags chance alone would raise beside them, and links to act
 * on it: a refinement of the centroids, or a refit with edseg-admin fit.
 */
import { html } from 'hono/html';
import { scrolling } from '../admin/views/layout.js';
import type { Html } from '../admin/views/layout.js';
import type { SiteDrift } from './drift.js';

const n3 = (v: number) => v.toFixed(3);

export function driftSection(d: SiteDrift): Html {
  return html`<h2 id="drift">Drift</h2>
    <p class="small muted">
      ${d.periods.length} reporting periods of ${d.periodDays} days (versions ${d.versions.join(', ')} of one
      series); ${d.checked} published cells checked against the inverse-variance mean of up to 3 earlier
      periods. A cell is flagged when the move exceeds ${d.z} standard errors of the difference; suppressed
      cells are never checked.
    </p>
    <p data-testid="drift-expected">
      Expected by chance at this threshold: about ${d.expectedFalseFlags} false flags among ${d.checked}
      cells.
    </p>
    ${
      d.flags.length === 0
        ? html`<p>No estimate moved beyond its interval.</p>`
        : html`<p class="flash">
              <strong>${d.flags.length} moves flagged</strong> (about ${d.expectedFalseFlags} expected by
              chance). <a href="${d.links.refinement}">Review a refinement</a> or refit:
              <code>${d.links.refit}</code>
            </p>
            ${scrolling(
              'Flagged moves',
              html`<table>
                <tr>
                  <th>Period (first day)</th>
                  <th>Model / segment</th>
                  <th>Estimate</th>
                  <th>Now</th>
                  <th>Before</th>
                  <th>z</th>
                </tr>
                ${d.flags.map(
                  (f) =>
                    html`<tr>
                      <td>${f.period}</td>
                      <td><code>${f.model}</code> / <code>${f.segment}</code></td>
                      <td>${f.what}</td>
                      <td>${n3(f.value)} ± ${n3(d.z * f.se)}</td>
                      <td>${n3(f.baseline)} ± ${n3(d.z * f.baselineSe)} (${f.periods} periods)</td>
                      <td>${f.z.toFixed(2)}</td>
                    </tr>`,
                )}
              </table>`,
            )}`
    }`;
}
