/**
 * The console's upload routes, POST /admin/sites/:site/fit and …/train (a learner CSV), take a body
 * up to the server's upload limit (ScienceLimits.maxUploadMB: EDSEG_SCIENCE_MAX_UPLOAD_MB, default
 * 20) instead of the 64 KB of every other console form; the app's guard (http/guard.ts) applies it
 * before the body is read, and answers a larger one with this page: 413, in the console's frame,
 * naming the limit and how to raise it (never the JSON refusal of the other routes).
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import { layout } from '../admin/views/layout.js';

/** The paths whose POST takes an upload (checked by the guard, before the session). */
export const UPLOAD_PATHS: readonly RegExp[] = [/^\/admin\/sites\/[^/]+\/(fit|train)$/];

/** Bytes of the upload limit for `mb` megabytes (MiB). */
export const uploadBytes = (mb: number): number => mb * 1024 * 1024;

/** The 413 page of an upload above `maxBytes`. */
export async function uploadTooLarge(c: Context, maxBytes: number): Promise<Response> {
  const mb = maxBytes / (1024 * 1024);
  const what = /\/train$/.test(c.req.path) ? 'train' : 'fit';
  const back = c.req.path;
  const sent = Number(c.req.header('content-length') ?? NaN);
  return c.html(
    layout(
      'Upload too large',
      html`<h1>That file is larger than this server takes</h1>
        <p class="flash error" role="alert" data-testid="upload-too-large">
          The ${what} form takes an upload of at most ${mb} MB (${maxBytes} bytes, the whole
          form)${Number.isFinite(sent) ? html`; this one was ${(sent / (1024 * 1024)).toFixed(1)} MB` : ''}.
        </p>
        <p>
          To take larger files, start the server with a higher limit:
          <code>EDSEG_SCIENCE_MAX_UPLOAD_MB=${Math.max(2 * mb, 50)} npm start</code> (or
          <code>edseg-server</code>), or the option <code>science: { maxUploadMB }</code> of
          <code>startServer</code>. The row cap (<code>EDSEG_SCIENCE_MAX_ROWS</code>) still applies. Or upload
          a sample of the rows.
        </p>
        <p><a href="${back}">Back to the ${what} page</a></p>`,
      null,
    ),
    413,
  );
}
