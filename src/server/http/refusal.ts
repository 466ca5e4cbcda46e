/**
 * The mapping of errors to answers: a refusal names the field at fault (400, 404, 409, 410);
 * anything else is a bare 500, logged.
 */
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EdsegError } from '../../core/errors.js';
import { createLogger, escapeForLog } from '../ops/log.js';
import type { Logger } from '../ops/log.js';
import { inputErrorOf } from './params.js';

/**
 * A refusal by the server's state rather than the input's shape, naming the field it concerns:
 * 409 (a name taken, a key still signing live versions, a disabled site published), 410 (a disabled site).
 * Server-only, so the SDK's EdsegError codes stay what the README lists.
 */
export class Refusal extends Error {
  constructor(
    readonly status: 409 | 410,
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** The app's error handler: 400/404/409/410 { error, field } for a refusal, hono's own answer for an HTTPException, else 500 (logged to `log`). */
export function errorHandler(log: Logger): ErrorHandler {
  return (raw, c) => {
    // A data exception from the database (a value the checks let through) is input that fails its check too.
    const err = inputErrorOf(raw) ?? raw;
    // A refusal names the field at fault: 400 for input that fails its check, 404 for what does not
    // exist, 409 for what the current state forbids (a taken name, a key still in use), 410 for a disabled site.
    if (err instanceof EdsegError && (err.code === 'invalid-input' || err.code === 'not-found'))
      return c.json(
        { error: err.message, field: err.field ?? '(root)' },
        err.code === 'invalid-input' ? 400 : 404,
      );
    if (err instanceof Refusal) return c.json({ error: err.message, field: err.field }, err.status);
    if (err instanceof HTTPException) return err.getResponse();
    // The message only: a stack or the request would not help a caller and could leak.
    log.error('request failed', {
      method: c.req.method,
      path: escapeForLog(c.req.path),
      error: escapeForLog(err instanceof Error ? err.message : String(err)),
    });
    return c.json({ error: 'internal error' }, 500);
  };
}

/** The error handler with its failures logged as JSON lines on stderr. */
export const errorResponse: ErrorHandler = errorHandler(
  createLogger({ level: 'error', write: (line) => void process.stderr.write(line) }),
);
