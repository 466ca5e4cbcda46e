/**
 * Charts as SVG strings, drawn on the server with Observable Plot over a linkedom document: the
 * console embeds them inline (its CSP allows inline styles and no script), and the CLI and the
 * evaluation write them to .svg files. One function serves every chart so they share a look.
 *
 * Plot wraps a chart with a title or a legend in an HTML <figure> (an <h2>, a <div> of swatches);
 * a .svg file cannot hold HTML, so plotSvg redraws the title and the swatches as SVG text and
 * rects above the plot and always returns one standalone <svg> element.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

export { Plot };

const SVG_NS = 'http://www.w3.org/2000/svg';
const TITLE_H = 22;
const LEGEND_H = 22;
/** A generous width of one character at 10px system-ui (tabular digits are ~5.6px). */
export const CHAR_W = 6.5;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Plot.plot(options) rendered to standalone SVG markup (one <svg> root with the xmlns a .svg file needs). */
export function plotSvg(
  options: Plot.PlotOptions,
  extra: { swatches?: readonly { fill: string; label: string }[] } = {},
): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const node = Plot.plot({ ...options, document: document as unknown as Document });
  const svg = node.tagName.toLowerCase() === 'svg' ? node : node.querySelector(':scope > svg');
  if (!svg) throw new Error('plotSvg: Plot produced no <svg>');
  svg.setAttribute('xmlns', SVG_NS);
  // Plot puts aria-label on <g> and other role-less elements, where ARIA prohibits it (axe:
  // aria-prohibited-attr); the mark's name moves to data-mark, and the chart as a whole is one image
  // (role="img") named by aria-label and a <title>: its text alternative.
  for (const el of [...svg.querySelectorAll('[aria-label]')]) {
    if (el.getAttribute('role')) continue;
    el.setAttribute('data-mark', el.getAttribute('aria-label')!);
    el.removeAttribute('aria-label');
  }
  const name = String(options.ariaLabel ?? options.title ?? options.caption ?? 'chart');
  const alt = `<title>${esc(name)}</title>${options.ariaDescription ? `<desc>${esc(String(options.ariaDescription))}</desc>` : ''}`;
  svg.removeAttribute('aria-label');
  svg.removeAttribute('aria-description');
  if (node === svg && !extra.swatches?.length) {
    return svg.outerHTML.replace(/^<svg([^>]*)>/, `<svg role="img" aria-label="${esc(name)}"$1>${alt}`);
  }
  // A <figure>: its title (h2) and swatch legend become SVG above the plot.
  const width = Number(svg.getAttribute('width') ?? 640);
  const height = Number(svg.getAttribute('height') ?? 400);
  const title = node === svg ? '' : (node.querySelector(':scope > h2')?.textContent ?? '');
  const swatches = [
    ...[...node.querySelectorAll('span[class$="-swatch"]')].map((s) => ({
      fill: s.querySelector('svg')?.getAttribute('fill') ?? 'currentColor',
      label: s.textContent ?? '',
    })),
    ...(extra.swatches ?? []),
  ];
  let y = 0;
  const head: string[] = [];
  if (title) {
    head.push(
      `<text x="0" y="${TITLE_H - 6}" font-size="14" font-weight="bold" text-anchor="start">${esc(title)}</text>`,
    );
    y += TITLE_H;
  }
  if (swatches.length) {
    let x = 0;
    for (const s of swatches) {
      const w = 16 + CHAR_W * s.label.length + 14;
      if (x > 0 && x + w > width) {
        x = 0; // wrap: a new row of swatches
        y += LEGEND_H;
      }
      head.push(
        `<rect x="${x}" y="${y + 4}" width="12" height="12" fill="${esc(s.fill)}"/>` +
          `<text x="${x + 16}" y="${y + 14}" text-anchor="start">${esc(s.label)}</text>`,
      );
      x += w;
    }
    y += LEGEND_H;
  }
  svg.setAttribute('y', String(y));
  const total = height + y;
  return (
    `<svg xmlns="${SVG_NS}" role="img" aria-label="${esc(name)}" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" ` +
    `font-size="10" font-family="system-ui, sans-serif" fill="currentColor" style="max-width:100%;height:auto">` +
    `${alt}<g class="plot-head">${head.join('')}</g>${svg.outerHTML}</svg>`
  );
}
