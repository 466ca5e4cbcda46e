/** The accounts page (owners): every account with its role and status; disable/enable, change the role, a new API token. */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { AccountSummary, Role } from '../../../core/schema.js';
import { ROLES } from '../../../core/schema.js';
import type { Flash, Html } from './layout.js';

/** The accounts page; `me` is the signed-in name (its own row has no disable or role form), `token` a token just drawn, shown this once. */
export function accountsPage(
  accounts: readonly AccountSummary[],
  me: string,
  flash: Flash,
  token?: { name: string; token: string },
): Html {
  const roleForm = (a: AccountSummary) =>
    html`<form method="post" action="/admin/accounts/${a.name}/role" class="inline">
      <select name="role" aria-label="role of ${a.name}">
        ${ROLES.map((r: Role) => html`<option value="${r}" ${r === a.role ? 'selected' : ''}>${r}</option>`)}
      </select>
      <button class="ghost" type="submit">Change role</button>
    </form>`;
  return html`<h1>Accounts</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    ${
      token
        ? html`<div class="card" data-testid="new-token">
            <strong>New API token of ${token.name}, shown this once:</strong>
            <p><code>${token.token}</code></p>
            <p class="small muted">The old token stopped. Store this one now: it is kept only hashed.</p>
          </div>`
        : ''
    }
    <p class="small muted">
      Disabling an account ends its console sessions and stops its API token at once; enabling it lets its
      password sign in again (its old token stays stopped: draw a new one). A role change holds from the
      account's next request. Create accounts with <code>edseg-admin user add NAME --role ROLE</code>.
    </p>
    ${scrolling(
      'Accounts',
      html`<table>
        <tr>
          <th>Account</th>
          <th>Role</th>
          <th>Status</th>
          <th>Created</th>
          <th></th>
        </tr>
        ${accounts.map(
          (a) =>
            html`<tr data-account="${a.name}">
              <td><strong>${a.name}</strong></td>
              <td>${a.name === me ? a.role : roleForm(a)}</td>
              <td>
                ${a.disabledAt ? html`<span class="tag">disabled ${a.disabledAt}</span>` : html`<span class="tag yes">active</span>`}
              </td>
              <td class="small">${a.createdAt} by ${a.createdBy}</td>
              <td>
                ${
                  a.name === me
                    ? html`<span class="small muted">you</span>`
                    : html`<form
                        method="post"
                        action="/admin/accounts/${a.name}/${a.disabledAt ? 'enable' : 'disable'}"
                        class="inline"
                      >
                        <button class="ghost" type="submit">${a.disabledAt ? 'Enable' : 'Disable'}</button>
                      </form>`
                }
                ${
                  a.disabledAt
                    ? ''
                    : html`<form method="post" action="/admin/accounts/${a.name}/token" class="inline">
                        <button class="ghost" type="submit">New API token</button>
                      </form>`
                }
              </td>
            </tr>`,
        )}
      </table>`,
    )}
    ${accounts.length === 0 ? html`<p class="muted">No accounts yet: the admin token is the only owner.</p>` : ''}`;
}
