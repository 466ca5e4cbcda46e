/** The login form (name for the audit log, admin token). */
import { html } from 'hono/html';
import type { Html } from './layout.js';

/** The login page, with the refusal when the last attempt failed. */
export function loginPage(error: string | null): Html {
  return html`<h1>Log in</h1>
    ${error ? html`<p class="flash error">${error}</p>` : ''}
    <form method="post" action="/admin/login" class="card" style="max-width:420px">
      <p>
        <label
          >Your name (for the audit log)<br /><input
            type="text"
            name="name"
            autocomplete="name"
            maxlength="64"
        /></label>
      </p>
      <p>
        <label
          >Admin token<br /><input type="password" name="token" autocomplete="current-password" required
        /></label>
      </p>
      <p class="small muted">
        The token was printed when the server first started, and is in the data folder's
        <code>admin-token</code> file (or EDSEG_ADMIN_TOKEN).
      </p>
      <button type="submit">Log in</button>
    </form>`;
}
