// Shared by the benchmark parts in scripts/bench/ (this file is not a part): the median of samples and
// the Markdown table every part prints.

/** The median of numbers (the mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A Markdown table: `head` the column names, `rows` arrays of cells. */
export function markdownTable(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `a / b` as "1.23x" (or "-" when b is 0). */
export const ratio = (a, b) => (b === 0 ? '-' : `${(a / b).toFixed(2)}x`);
