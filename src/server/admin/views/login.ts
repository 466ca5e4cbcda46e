/** The login form: an account's name and password, or the admin token (the bootstrap owner). */
import { html } from 'hono/html';
import type { Html } from './layout.js';

/** The login page, with the refusal when the last attempt failed. */
export function loginPage(error: string | null): Html {
  return html`<h1>Log in</h1>
    ${error ? html`<p class="flash error">${error}</p>` : ''}
    <form method="post" action="/admin/login" class="card" style="max-width:420px">
      <p>
        <label
          >Account name<br /><input type="text" name="name" autocomplete="username" maxlength="64"
        /></label>
      </p>
      <p>
        <label
          >Password (or the admin token)<br /><input
            type="password"
            name="password"
            autocomplete="current-password"
            required
        /></label>
      </p>
      <p class="small muted">
        Accounts are created by an owner (<code>edseg-admin user add NAME --role ROLE</code>). Before there is
        one, sign in with the admin token: it was printed when the server first started, and is in the data
        folder's <code>admin-token</code> file (or EDSEG_ADMIN_TOKEN).
      </p>
      <button type="submit">Log in</button>
    </form>`;
}
