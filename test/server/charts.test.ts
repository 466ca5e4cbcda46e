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
