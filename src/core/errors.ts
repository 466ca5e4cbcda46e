/**
 * Errors are values with a code and, where input was at fault, the field that was.
 * `field` is a dotted path into the caller's argument ("props.score", "parental.purposes.1").
 */

/**
 * Every code the SDK (client, worker and the core they use) throws or rejects with, and no other:
 * the SDK's README lists exactly these in its API section (test/unit/core/errors.test.ts holds both).
 */
export const EDSEG_ERROR_CODES = [
  'invalid-input',
  'worker-timeout',
  'worker-crashed',
  'worker-unavailable',
  'closed',
  'forgotten',
] as const;

export type EdsegErrorCode = (typeof EDSEG_ERROR_CODES)[number];

export class EdsegError extends Error {
  readonly code: EdsegErrorCode;
  readonly field: string | undefined;
  constructor(code: EdsegErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'EdsegError';
    this.code = code;
    this.field = field;
  }
}
