/**
 * Errors are values with a code and, where input was at fault, the field that was.
 * `field` is a dotted path into the caller's argument ("props.score", "parental.purposes.1").
 */
export type EdsegErrorCode =
  | 'invalid-input'
  | 'manifest-refused'
  | 'worker-timeout'
  | 'worker-terminated'
  | 'worker-unavailable'
  | 'worker-crashed'
  | 'closed'
  | 'forgotten'
  | 'storage'
  | 'network';

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
