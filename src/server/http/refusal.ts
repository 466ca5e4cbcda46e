/**
 * The server's one error vocabulary: a Refusal answers { error, field } with its status, 400 for
 * input that fails its check, 404 for what does not exist, 409 for what the current state forbids
 * (a taken name, a key still in use, a disabled site published), 410 for a disabled site or a
 * superseded version, 413 for work larger than the server's caps (science/jobs.ts). Anything else is a bare 500, logged. What src/core refuses (its input errors,
 * an EditRefused) is read as a Refusal here (refusalOf), so routes throw or let through one kind.
 * Server-only, so the SDK's EdsegError codes stay what the README lists.
 */
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { EditRefused } from '../../core/edit.js';
import { inputIssueOf } from '../../core/schema.js';
import { escapeForLog } from '../ops/log.js';
import type { Logger } from '../ops/log.js';

export type RefusalStatus = 400 | 404 | 409 | 410 | 413;

/** A refused request, naming the field it concerns (a few 409s concern the request as a whole: no field). */
export class Refusal extends Error {
  constructor(
    readonly status: RefusalStatus,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }

  /** The answer's body: { error, field } (no field when the refusal names none). */
  get body(): { error: string; field?: string } {
    return { error: this.message, ...(this.field !== undefined ? { field: this.field } : {}) };
  }
}

/** The 404 for a site id that names no site (every route under /sites/:site answers it alike). */
export const unknownSite = (id: string): Refusal => new Refusal(404, `unknown site "${id}"`, 'site');

/** The Refusal an error stands for: itself, a core EditRefused, a core input error (400); null for anything else. */
export function refusalOf(err: unknown): Refusal | null {
  if (err instanceof Refusal) return err;
  if (err instanceof EditRefused) return new Refusal(err.status, err.message, err.field ?? '(root)');
  const input = inputIssueOf(err);
  return input ? new Refusal(400, input.message, input.field) : null;
}

/**
 * The 400 for a database data exception (SQLSTATE class 22: a NUL byte, an integer out of range,
 * text that is not a number) that the parameter checks let through (http/params.ts), or null.
 */
function dataException(err: unknown): Refusal | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)
    ? new Refusal(400, 'a value in the request is out of range or not valid text', '(root)')
    : null;
}

/** The app's error handler: a refusal's status and body, hono's own answer for an HTTPException, else 500 (logged to `log`). */
export function errorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    const refusal = refusalOf(err) ?? dataException(err);
    if (refusal) return c.json(refusal.body, refusal.status);
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
