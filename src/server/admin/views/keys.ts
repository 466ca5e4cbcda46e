/** The signing keys: which signs now, the live versions each signed, rotate and retire (owners, confirmed). */
import { html } from 'hono/html';
import { scrolling } from './layout.js';
import type { KeyStatus, Role } from '../../../core/schema.js';
import type { Flash, Html } from './layout.js';

/** The keys page with the flash a redirect carried. */
export function keysPage(keys: KeyStatus[], role: Role, flash: Flash): Html {
  const owner = role === 'owner';
  return html`<h1>Signing keys</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <p class="small muted">
      Every key here is in <a href="/v1/keys">/v1/keys</a>, for embedders to pin. Rotating makes a new key
      sign from now on and re-signs every published site with it; the old key stays until retired. A device
      may hold a manifest the old key signed until that manifest expires, so retiring is refused until the
      latest expiry of every version the key signed ("valid until").
    </p>
    <p class="small" data-testid="key-rollout">
      The roll-out: 1. rotate; 2. pin the new key (the JWKS at <a href="/v1/keys">/v1/keys</a>) in every page
      that embeds the SDK; 3. after the old key's "valid until", retire it. A page that pins only a retired
      key verifies no manifest and releases nothing.
    </p>
    ${scrolling(
      'Signing keys',
      html`<table>
        <tr>
          <th>Key (kid)</th>
          <th>Created</th>
          <th>Status</th>
          <th>Live versions signed</th>
          <th>Valid until</th>
          <th></th>
        </tr>
        ${keys.map(
          (k) =>
            html`<tr>
              <td><code>${k.kid}</code></td>
              <td class="small">${k.createdAt}</td>
              <td>
                ${k.current ? html`<span class="tag yes">signs now</span>` : html`<span class="tag">old</span>`}
              </td>
              <td class="small">
                ${k.liveVersions.map((v) => `${v.site} v${v.version}`).join(', ') || 'none'}
              </td>
              <td class="small">${k.validUntil ?? 'signed nothing'}</td>
              <td>
                ${
                  owner && !k.current
                    ? html`<form method="post" action="/admin/keys/${k.kid}/retire">
                        <label class="small"
                          ><input type="checkbox" name="confirm" value="yes" required /> every page pins the
                          new key</label
                        >
                        <button class="ghost" type="submit">Retire</button>
                      </form>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </table>`,
    )}
    ${
      owner
        ? html`<form method="post" action="/admin/keys/rotate">
            <button type="submit">Rotate: new signing key</button>
          </form>`
        : ''
    }`;
}
