import { describe, expect, it } from 'vitest';
import { Plot, plotSvg } from '../../src/server/science/svg.js';

describe('plotSvg', () => {
  it('renders a line chart to SVG markup with its points and axis label', () => {
    const data = [
      { k: 2, inertia: 10 },
      { k: 3, inertia: 6 },
      { k: 4, inertia: 5 },
    ];
    const svg = plotSvg({ x: { label: 'k' }, marks: [Plot.line(data, { x: 'k', y: 'inertia' })] });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toMatch(/<path[^>]+d="M/);
    expect(svg).toContain('k');
  });
});

describe('fitCharts files', () => {
  it('are standalone SVG documents (an <svg> root with xmlns, no HTML) that parse as XML', async () => {
    const { fitCharts } = await import('../../src/server/science/charts.js');
    const { DOMParser } = await import('linkedom');
    const x = Array.from({ length: 30 }, (_, i) => [i % 3, (i * 7) % 5, i % 2]);
    const { runFit } = await import('../../src/server/science/fit.js');
    const result = await runFit({ x, features: ['a', 'b', 'c'] }, { ks: [2, 3], seed: 1, stabilitySeeds: 1 });
    const files = fitCharts(result, 3);
    expect(Object.keys(files).sort()).toEqual(['elbow.svg', 'pca.svg', 'profile.svg', 'silhouette.svg']);
    for (const [name, text] of Object.entries(files)) {
      expect(text, name).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s>]/);
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      const root = doc.documentElement!;
      expect(root.tagName.toLowerCase(), name).toBe('svg');
      expect(root.getAttribute('xmlns'), name).toBe('http://www.w3.org/2000/svg');
      for (const tag of ['figure', 'div', 'span', 'h2', 'figcaption'])
        expect(root.querySelector(tag), `${name} has <${tag}>`).toBeNull();
    }
    // Each is one image with a text alternative, and no role-less element carries an aria-label.
    for (const [name, text] of Object.entries(files)) {
      expect(text, name).toMatch(/^<svg[^>]* role="img"[^>]* aria-label="[^"]+"[^>]*><title>[^<]+<\/title>/);
      expect(text.match(/<[a-z]+\s[^>]*aria-label=/g), name).toHaveLength(1);
    }
    // The title and the legend survive as SVG text.
    expect(files['pca.svg']).toContain('PCA projection, k = 3');
    expect(files['pca.svg']).toMatch(/<text[^>]*>cluster-1<\/text>/);
  });
});

describe('the cluster-profile chart', () => {
  it('prints each value in black or white by the cell colour (contrast >= 4.5) and has a legend', async () => {
    const { fitCharts, luminance } = await import('../../src/server/science/charts.js');
    const { runFit } = await import('../../src/server/science/fit.js');
    const { parseHTML } = await import('linkedom');
    // Features spread over [-1, 1] (and past it), so that some centroids land on dark cells.
    const x = Array.from({ length: 40 }, (_, i) => [i < 20 ? -1 : 1, i % 2 ? 0.9 : -0.9, (i % 5) / 2 - 1]);
    const result = await runFit({ x, features: ['a', 'b', 'c'] }, { ks: [2, 3], seed: 1, stabilitySeeds: 1 });
    const svg = fitCharts(result, 3)['profile.svg']!;
    const { document } = parseHTML(`<div>${svg}</div>`);
    const cells = [...document.querySelectorAll('g[data-mark="cell"] rect')].map((r) =>
      r.getAttribute('fill')!,
    );
    const texts = [...document.querySelectorAll('g[data-mark="text"] text')].map((t) =>
      t.getAttribute('fill')!,
    );
    expect(cells).toHaveLength(9);
    expect(texts).toHaveLength(9);
    const L = (c: string) => (c === 'white' ? 1 : c === 'black' ? 0 : luminance(c));
    const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    cells.forEach((c, i) =>
      expect(contrast(L(c), L(texts[i]!)), `cell ${i} ${c} / ${texts[i]}`).toBeGreaterThanOrEqual(4.5),
    );
    expect(texts).toContain('white'); // a dark cell was drawn, and its label is light
    // The legend: a swatch and a label for each of -1, -0.5, 0, 0.5, 1.
    const legend = [...document.querySelectorAll('g.plot-head text')].map((t) => t.textContent);
    expect(legend).toEqual(expect.arrayContaining(['-1', '-0.5', '0', '0.5', '1']));
    expect(document.querySelectorAll('g.plot-head rect').length).toBe(5);
  });

  it('widens its colour range to the largest centroid, so values past 1 are not drawn as 1', async () => {
    const { fitCharts } = await import('../../src/server/science/charts.js');
    const { runFit } = await import('../../src/server/science/fit.js');
    const { parseHTML } = await import('linkedom');
    // Two tight groups: feature a at 1.5 and 2.7 (the other features at 0): both past 1, so a range clamped at 1 drew them alike.
    const x = Array.from({ length: 40 }, (_, i) => [i < 20 ? 1.5 : 2.7, 0, 0]);
    const result = await runFit({ x, features: ['a', 'b', 'c'] }, { ks: [2], seed: 1, stabilitySeeds: 1 });
    const svg = fitCharts(result, 2)['profile.svg']!;
    const { document } = parseHTML(`<div>${svg}</div>`);
    const cells = [...document.querySelectorAll('g[data-mark="cell"] rect')].map((r) =>
      r.getAttribute('fill'),
    );
    const texts = [...document.querySelectorAll('g[data-mark="text"] text')].map((t) => t.textContent);
    const at = (label: string) => cells[texts.indexOf(label)];
    expect(texts).toEqual(expect.arrayContaining(['1.50', '2.70']));
    expect(at('2.70')).not.toBe(at('1.50'));
    const legend = [...document.querySelectorAll('g.plot-head text')].map((t) => t.textContent);
    expect(legend).toEqual(expect.arrayContaining(['-3', '-1.5', '0', '1.5', '3']));
  });
});
