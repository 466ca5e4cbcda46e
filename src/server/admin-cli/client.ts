/**
 * The admin API over HTTP, for edseg-admin: `Authorization: Bearer <token>`, JSON in and out.
 * A non-2xx answer becomes a CliError with the server's own message and field, so every command
 * fails with one line that says what to fix and which server it tried (the --server URL).
 */
import { CliError } from './command.js';

export interface AdminClient {
  readonly server: string;
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body?: unknown): Promise<T>;
  patch<T = unknown>(path: string, body?: unknown): Promise<T>;
  delete<T = unknown>(path: string): Promise<T>;
  /** A request outside /admin/api (for example POST /v1/reports), with no token. */
  raw(path: string, init?: RequestInit): Promise<Response>;
}

export interface ClientOptions {
  server: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Checks --server: an http(s) URL, kept without a trailing slash. */
export function serverUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new CliError(`--server must be a URL such as http://127.0.0.1:8787, got "${text}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(`--server must be an http or https URL, got "${text}"`);
  return u.href.replace(/\/+$/, '');
}

export function createAdminClient(opts: ClientOptions): AdminClient {
  const server = serverUrl(opts.server);
  const doFetch = opts.fetch ?? fetch;

  async function raw(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await doFetch(`${server}${path}`, init);
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new CliError(
        `cannot reach the server at ${server}${cause ? ` (${cause})` : ''}; is edseg-server running? (--server URL)`,
      );
    }
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!opts.token)
      throw new CliError(
        'an admin token is required: --token T or EDSEG_ADMIN_TOKEN (edseg-server prints it)',
      );
    const res = await raw(`/admin/api${path}`, {
      method,
      headers: {
        authorization: `Bearer ${opts.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: reported below by status */
    }
    if (!res.ok) {
      const e = (json ?? {}) as { error?: unknown; field?: unknown };
      const message = typeof e.error === 'string' ? e.error : `HTTP ${res.status}`;
      const field = typeof e.field === 'string' ? ` (field: ${e.field})` : '';
      if (res.status === 401)
        throw new CliError(
          `the server at ${server} refused the admin token (401): ${message}; check --token / EDSEG_ADMIN_TOKEN (and --server)`,
        );
      throw new CliError(`${method} ${server}/admin/api${path} failed (${res.status}): ${message}${field}`);
    }
    return json as T;
  }

  return {
    server,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    put: (p, b) => call('PUT', p, b ?? {}),
    patch: (p, b) => call('PATCH', p, b ?? {}),
    delete: (p) => call('DELETE', p),
    raw,
  };
}
