/** Key-order-insensitive JSON: what the audit log's diffs and the series key (series.ts) compare. */

/** Key-order-insensitive JSON, so a manifest read back from jsonb (which reorders keys) compares equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}
/** Whether two documents are equal as JSON, whatever their key order. */
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
