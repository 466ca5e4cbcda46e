/**
 * Request and response bodies: size limits, JSON bodies, ETags.
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { Refusal } from './refusal.js';

/** A body limit that answers 413 { error, field: '(root)' } above `maxSize` bytes. */
export function limitBody(maxSize: number): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: (c) => c.json({ error: `body larger than ${maxSize} bytes`, field: '(root)' }, 413),
  });
}

/** Parses JSON or throws the Refusal the app answers as 400 { error, field: '(root)' }. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal(400, 'the body is not valid JSON', '(root)');
  }
}

/** A request's body as JSON; `empty`, when given, stands for a blank body (else a blank body is not JSON: 400). */
export async function readJson(c: Context, empty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  return empty !== undefined && text.trim() === '' ? empty : parseJson(text);
}

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
