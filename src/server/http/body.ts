/**
 * The HTTP helpers the collector and the admin app share: body size limits, JSON bodies, ETags,
 * bearer tokens, and the mapping of errors to answers (a refusal names the field at fault; anything else is a bare 500).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { EdsegError } from '../../core/errors.js';
import { createLogger } from '../ops/log.js';
import type { Logger } from '../ops/log.js';
import { escapeForLog } from '../security/log.js';
import { inputErrorOf } from './params.js';

/** A body limit that answers 413 { error, field: '(root)' } above `maxSize` bytes. */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) => c.json({ error: `body larger than ${maxSize} bytes`, field: '(root)' }, 413),
  });
}

/** Parses JSON or throws the EdsegError the app turns into 400 { error, field: '(root)' }. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EdsegError('invalid-input', 'the body is not valid JSON', '(root)');
  }
}

/** A request's body as JSON; `empty`, when given, stands for a blank body (else a blank body is not JSON: 400). */
export async function readJson(c: Context, empty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  return empty !== undefined && text.trim() === '' ? empty : parseJson(text);
}

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

/** A strong ETag for a body: a quoted SHA-256 prefix. */
export function etagOf(body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether If-None-Match matches an ETag (weak comparison, RFC 9110 §13.1.2; `*` matches). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .includes(etag);
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time check of a presented token against a secret (both sides hashed first, so any lengths). */
export function tokenMatches(presented: string | undefined, secret: string): boolean {
  return presented !== undefined && presented !== '' && timingSafeEqual(sha256(presented), sha256(secret));
}

/** The bearer token of a request, if any. */
export function bearerOf(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}
