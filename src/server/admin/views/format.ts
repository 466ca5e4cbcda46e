/** Number formats and the estimate cell shared by the estimates and refinement pages. */
import { html } from 'hono/html';
import type { Estimate } from '../../../core/schema.js';
import type { Html } from './layout.js';

/** A share as a percentage with one decimal. */
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
/** A number with three decimals. */
export const num = (x: number): string => x.toFixed(3);
/** A vector of numbers with three decimals each, in brackets. */
export const vec = (xs: readonly number[]): string => `[${xs.map((x) => x.toFixed(3)).join(', ')}]`;

/** A share with its 95% interval and a bar, or "suppressed" under k reports. */
export function shareCell(e: Estimate | null, suppressed: boolean, k: number): Html {
  if (suppressed || !e)
    return html`<span class="tag no">suppressed</span>
      <span class="small muted">fewer than ${k} reports</span>`;
  const clamp = (x: number) => Math.min(100, Math.max(0, 100 * x));
  return html`<div>
      ${pct(e.value)} <span class="small muted">95% CI ${pct(e.lo)} – ${pct(e.hi)} (se ${pct(e.se)})</span>
    </div>
    <div class="bar" title="${pct(e.value)}">
      <span style="width:${clamp(e.value).toFixed(1)}%"></span
      ><i style="left:${clamp(e.lo).toFixed(1)}%;width:${(clamp(e.hi) - clamp(e.lo)).toFixed(1)}%"></i>
    </div>`;
}
