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
