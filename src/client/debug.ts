/** The `[edseg]` console lines of debug mode (packages/edseg/README.md "Debug mode"). */

/** Every console line of the SDK starts with it. */
export const PREFIX = '[edseg]';

/** One `[edseg]` console line for a debug note of the worker. */
export function debugLine(kind: string, d: Record<string, unknown>): string {
  switch (kind) {
    case 'manifest-refused':
      return d.reason === 'origin-not-allowed'
        ? `${PREFIX} the manifest does not list this page's origin, so nothing is released: ${String(d.message)}`
        : `${PREFIX} manifest refused (${String(d.reason)}${d.cached ? ', the stored copy' : ''}): ${String(d.message)}`;
    case 'segment-blocked':
      return `${PREFIX} segment ${String(d.segment)} (model ${String(d.model)}) not released: ${(d.reasons as string[]).join(', ')}`;
    case 'model-not-assigned':
      return `${PREFIX} model ${String(d.model)} not assigned: consent does not allow its purpose ${String(d.purpose)} (${String(d.reason)})`;
    case 'report-queued':
    case 'report-sent':
    case 'report-dropped':
      return `${PREFIX} ${kind.replace('-', ' ')}: ${JSON.stringify(d)}`;
    default:
      return `${PREFIX} ${kind}: ${JSON.stringify(d)}`;
  }
}
