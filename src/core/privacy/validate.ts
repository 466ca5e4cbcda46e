/** Input checks shared by the public mechanism entry points; each names the field at fault. */
import { EdsegError } from '../errors.js';
import type { SegmentResponse } from '../schema.js';

/** Throws unless eps is a finite positive number. */
export function checkEpsilon(eps: number, field = 'eps'): void {
  if (!(Number.isFinite(eps) && eps > 0))
    throw new EdsegError(
      'invalid-input',
      `edseg: ${field} must be a finite positive number, got ${eps}`,
      field,
    );
}

/** Throws unless t is a finite number in [-1, 1] (the scalar mechanisms' domain). */
export function checkUnit(t: number, field = 't'): void {
  if (!(t >= -1 && t <= 1))
    throw new EdsegError('invalid-input', `edseg: ${field} must be a number in [-1, 1], got ${t}`, field);
}

/** Throws unless n is an integer in [lo, hi]. */
export function checkInt(n: number, lo: number, hi: number, field: string): void {
  if (!(Number.isInteger(n) && n >= lo && n <= hi))
    throw new EdsegError(
      'invalid-input',
      `edseg: ${field} must be an integer in [${lo}, ${hi}], got ${n}`,
      field,
    );
}

/** Throws unless `mechanism` is one of the table's own keys (so not 'toString' and the like). */
export function checkMechanism<K extends string>(
  mechanism: string,
  known: Readonly<Record<K, unknown>>,
): asserts mechanism is K {
  if (!Object.hasOwn(known, mechanism)) {
    throw new EdsegError(
      'invalid-input',
      `edseg: mechanism must be one of ${Object.keys(known).join(', ')}, got ${String(mechanism)}`,
      'mechanism',
    );
  }
}

/**
 * The frequency oracle response in r, or null unless it is a GRR value, an integer in [0, k), or
 * k OUE bits, each 0 or 1. The one shape check for loose responses and report fields: the caller
 * decides whether a misfit is an error (estimateFrequencies) or a field to skip (estimateSite).
 */
export function parseResponse(
  r: { oracle: string; value?: number | undefined; bits?: readonly number[] | undefined },
  k: number,
): SegmentResponse | null {
  if (r.oracle === 'grr') {
    const v = r.value;
    return v !== undefined && Number.isInteger(v) && v >= 0 && v < k ? { oracle: 'grr', value: v } : null;
  }
  if (r.oracle === 'oue') {
    const bits = r.bits;
    return bits !== undefined && bits.length === k && bits.every((b) => b === 0 || b === 1)
      ? { oracle: 'oue', bits: bits as (0 | 1)[] }
      : null;
  }
  return null;
}
