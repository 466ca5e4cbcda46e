/** Input checks shared by the public mechanism entry points; each names the field at fault. */
import { EdsegError } from '../errors.js';

/** Throws unless eps is a finite positive number. */
export function checkEpsilon(eps: number, field = 'eps'): void {
  if (!(Number.isFinite(eps) && eps > 0)) throw new EdsegError('invalid-input', `edseg: ${field} must be a finite positive number, got ${eps}`, field);
}

/** Throws unless t is a finite number in [-1, 1] (the scalar mechanisms' domain). */
export function checkUnit(t: number, field = 't'): void {
  if (!(t >= -1 && t <= 1)) throw new EdsegError('invalid-input', `edseg: ${field} must be a number in [-1, 1], got ${t}`, field);
}

/** Throws unless n is an integer in [lo, hi]. */
export function checkInt(n: number, lo: number, hi: number, field: string): void {
  if (!(Number.isInteger(n) && n >= lo && n <= hi)) throw new EdsegError('invalid-input', `edseg: ${field} must be an integer in [${lo}, ${hi}], got ${n}`, field);
}
