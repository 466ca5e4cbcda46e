/** Parsing with errors that name the field. */
import type * as z from 'zod/mini';
import { EdsegError } from '../errors.js';

/** "props.score", "models.0.centroids.2"; the root name prefixes the path when given. */
export function fieldOf(path: readonly PropertyKey[], root?: string): string {
  const parts = path.map((p) => String(p));
  if (root) parts.unshift(root);
  return parts.join('.') || '(root)';
}

/**
 * Parses `value` or throws an EdsegError('invalid-input') whose `field` is the first failing
 * path and whose message lists every issue, so a developer can fix them all at once.
 */
export function parseOrThrow<T extends z.ZodMiniType>(schema: T, value: unknown, root?: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<T>;
  const issues = r.error.issues;
  const first = issues[0];
  const field = first ? fieldOf(first.path, root) : (root ?? '(root)');
  const detail = issues.map((i) => `${fieldOf(i.path, root)}: ${i.message}`).join('; ');
  throw new EdsegError('invalid-input', `edseg: invalid ${root ?? 'input'}: ${detail}`, field);
}

/** Like parseOrThrow but returns the issues instead of throwing (for the server's 400s). */
export function check<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  root?: string,
): { ok: true; value: z.infer<T> } | { ok: false; field: string; message: string } {
  try {
    return { ok: true, value: parseOrThrow(schema, value, root) };
  } catch (e) {
    const err = e as EdsegError;
    return { ok: false, field: err.field ?? '(root)', message: err.message };
  }
}

/**
 * The field and message of an input error (the EdsegError('invalid-input') that parseOrThrow and the
 * other checks of src/core throw), or null for any other error: how the server tells input at fault.
 */
export function inputIssueOf(e: unknown): { field: string; message: string } | null {
  return e instanceof EdsegError && e.code === 'invalid-input'
    ? { field: e.field ?? '(root)', message: e.message }
    : null;
}
