/**
 * What an inert segmenter answers (no Worker or no IndexedDB, a worker that cannot start or was given
 * up): nothing released, nothing stored, and why, with what the page holds in memory.
 */
import type { EdsegError } from '../core/errors.js';
import { MAX_EPSILON_WINDOW } from '../core/schema/checks.js';
import type { BlockCode, ConsentInput, DeviceExport, Explanation, SegmenterOptions } from '../core/schema.js';
import type { Held } from './held.js';

/** Why no worker runs, and the error the `error` event carried (null for 'no-worker'). */
export type Inert = { code: BlockCode; error: EdsegError | null };

/** explain() with no worker: `blocked` says why; the held events are counted, never stored. */
export function inertExplanation(
  opts: SegmenterOptions,
  inert: Inert | null,
  held: Held,
  declared: Record<string, string>,
  consent: ConsentInput | undefined,
): Explanation {
  const { events: buffer, dropped } = held;
  const events: Record<string, number> = {};
  for (const ev of buffer) events[ev.type] = (events[ev.type] ?? 0) + 1;
  const why =
    inert?.error?.message ?? 'edseg: no Worker or no IndexedDB here (server-side rendering, Node, jsdom)';
  return {
    site: opts.site,
    origin: globalThis.location?.origin ?? '',
    manifest: {
      status: 'missing',
      reason: `${why} (${buffer.length} tracked events held in memory only${dropped ? `, ${dropped} dropped` : ''})`,
    },
    blocked: inert?.code ?? 'no-worker',
    consent: consent ?? null,
    persisted: false,
    storage: { mode: 'memory', reason: 'unavailable', error: why },
    held: { events: buffer.length, dropped },
    stored: { events, rollups: 0, pending: 0, declared: { ...declared }, retention: null },
    segments: [],
    budget: {
      windowDays: 28,
      spent: 0,
      cap: opts.maxEpsilonWindow ?? MAX_EPSILON_WINDOW,
      reportsInWindow: 0,
      lastPeriod: null,
    },
  };
}

/** exportData() with no worker: nothing was stored on this device. */
export const inertExport = (
  site: string,
  declared: Record<string, string>,
  consent: ConsentInput | undefined,
): DeviceExport => ({
  site,
  exportedAt: new Date().toISOString(),
  persisted: false,
  events: [],
  rollups: [],
  declared: { ...declared },
  consent: consent ?? null,
  manifest: null,
  outbox: [],
  budget: [],
  audit: [],
  decision: null,
  rollupRevision: 0,
});
