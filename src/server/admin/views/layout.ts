/** The page frame every console page shares (head, header with navigation and log out), and the view types. */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { STYLE } from './styles.js';

/** What a view renders: hono/html's escaped string (or its promise). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
/** The message a redirect carries back to a page (?ok= or ?error=). */
export type Flash = {
  ok?: string;
  error?: string;
  /** a refused policy save, shown in the policy form */ policyError?: string;
};

/**
 * A table inside a region of its own that scrolls sideways when the screen is narrower than the
 * table, so the page never does (WCAG 1.4.10 Reflow); focusable (tabindex 0), so a keyboard can
 * scroll it, and named by `label` for screen readers.
 */
export const scrolling = (label: string, table: Html): Html =>
  html`<div class="table-scroll" role="region" aria-label="${label}" tabindex="0">${table}</div>`;

/** A whole page: `body` inside the frame, with navigation and log out when `actor` is logged in. */
export function layout(title: string, body: Html, actor: string | null): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · edseg admin</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header>
          <strong>edseg admin</strong>
          ${
            actor
              ? html`<nav>
                    <a href="/admin">Sites</a><a href="/admin/audit">Audit log</a
                    ><a href="/admin/keys">Signing keys</a
                    >${actor.endsWith(' · owner') ? html`<a href="/admin/accounts">Accounts</a>` : ''}<a
                      href="/admin/account"
                      >Your account</a
                    >
                  </nav>
                  <span class="muted small">${actor}</span>
                  <form method="post" action="/admin/logout">
                    <button class="ghost" type="submit">Log out</button>
                  </form>`
              : ''
          }
        </header>
        <main id="main" tabindex="-1">${body}</main>
      </body>
    </html>`;
}
