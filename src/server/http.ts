/**
 * The HTTP helpers the collector and the admin app share: body size limits, JSON bodies, and the
 * mapping of errors to answers (a refusal names the field at fault; anything else is a bare 500).
 */
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { EdsegError } from '../core/errors.js';

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

/** The app's error handler: 400/404 { error, field } for a refusal, hono's own answer for an HTTPException, else 500. */
export const errorResponse: ErrorHandler = (err, c) => {
  // A refusal names the field at fault: 400 for input that fails its check, 404 for what does not exist.
  if (err instanceof EdsegError && (err.code === 'invalid-input' || err.code === 'not-found')) {
    return c.json(
      { error: err.message, field: err.field ?? '(root)' },
      err.code === 'invalid-input' ? 400 : 404,
    );
  }
  if (err instanceof HTTPException) return err.getResponse();
  // The message only: a stack or the request would not help a caller and could leak.
  console.error(
    `edseg-server: ${c.req.method} ${c.req.path} failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  return c.json({ error: 'internal error' }, 500);
};
