/** The signed-in account: its name and role, and the form that replaces its password. */
import { html } from 'hono/html';
import type { Principal } from '../../../core/schema.js';
import type { Flash, Html } from './layout.js';

/** The account page with the flash a redirect carried. */
export function accountPage(p: Principal, flash: Flash): Html {
  return html`<h1>Your account</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <p><strong>${p.name}</strong> · ${p.role}</p>
    ${
      p.bootstrap
        ? html`<p class="small muted">
            You signed in with the admin token, which has no password. Create accounts with
            <code>edseg-admin user add NAME --role ROLE</code> and sign in with one.
          </p>`
        : html`<form method="post" action="/admin/account/password" class="card" style="max-width:420px">
            <strong>Change your password</strong>
            <p class="small muted">Replace the one-time password you were given (12 characters at least).</p>
            <p>
              <label
                >Current password<br /><input
                  type="password"
                  name="current"
                  autocomplete="current-password"
                  required
              /></label>
            </p>
            <p>
              <label
                >New password<br /><input
                  type="password"
                  name="password"
                  autocomplete="new-password"
                  minlength="12"
                  maxlength="200"
                  required
              /></label>
            </p>
            <button type="submit">Change password</button>
          </form>`
    }`;
}
