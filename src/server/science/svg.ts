/**
 * Charts as SVG strings, drawn on the server with Observable Plot over a linkedom document: the
 * console embeds them inline (its CSP allows inline styles and no script), and the CLI and the
 * evaluation write them to .svg files. One function serves every chart so they share a look.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

export { Plot };

/** Plot.plot(options) rendered to standalone SVG markup (with the xmlns a .svg file needs). */
export function plotSvg(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const node = Plot.plot({ ...options, document: document as unknown as Document });
  // A plot with a legend or caption is a <figure>; its <svg> children are what a file can hold.
  const svg = node.tagName.toLowerCase() === 'svg' ? node : node.querySelector('svg');
  if (!svg) throw new Error('plotSvg: Plot produced no <svg>');
  if (!svg.getAttribute('xmlns')) svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return node === svg ? svg.outerHTML : node.outerHTML;
}
