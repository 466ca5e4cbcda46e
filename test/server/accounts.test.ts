/**
 * Issue 19 point 8: an owner disables and enables an account, changes its role and rotates its API
 * token, in the API and the console's accounts page; disabling ends its sessions and its token at
 * once; a password change ends the account's other sessions. On main no account could be revoked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AccountChanged, AccountList, AccountToken } from '../../src/core/schema.js';
import { addAccount, adminApiOf, apiAs, consoleSession, expectShape, json, useServer } from './helpers.js';

const s = useServer();
let owner: ReturnType<typeof adminApiOf>;
beforeAll(() => {
  owner = adminApiOf(s);
});
const audit = async () =>
  ((await (await owner('/audit')).json()) as { entries: { action: string; actor: string }[] }).entries;

describe('the API', () => {
  it("disabling ends the account's API token and console sessions at once, and its login", async () => {
    const a = await addAccount(s, 'dora', 'editor');
    const asDora = apiAs(s, a.token);
    const session = consoleSession(s);
    expect((await session.loginAs(a.name, a.password)).status).toBe(303);
    expect((await asDora('/me')).status).toBe(200);
    expect((await session.get('/admin')).status).toBe(200);

    const res = await owner('/accounts/dora/disable', json('POST', {}));
    expect(res.status).toBe(200);
    const body = (await res.json()) as AccountChanged;
    expectShape(AccountChanged, body);
    expect(body.account.disabledAt).toBe(s.clock.now.toISOString());
    expect((await asDora('/me')).status).toBe(401);
    expect((await session.get('/admin')).headers.get('location')).toBe('/admin/login');
    expect((await consoleSession(s).loginAs(a.name, a.password)).status).toBe(401);
    expect((await audit())[0]).toMatchObject({ action: 'account-disable' });
    // Enabled again, the password signs in; the old token stays stopped until a new one is drawn.
    const enabled = (await (await owner('/accounts/dora/enable', json('POST', {}))).json()) as AccountChanged;
    expect(enabled.account.disabledAt).toBeNull();
    expect((await consoleSession(s).loginAs(a.name, a.password)).status).toBe(303);
    expect((await asDora('/me')).status).toBe(401);
    const fresh = (await (await owner('/accounts/dora/token', json('POST', {}))).json()) as AccountToken;
    expectShape(AccountToken, fresh);
    expect((await apiAs(s, fresh.token)('/me')).status).toBe(200);
  });

  it('rotating the token stops the old one at once', async () => {
    const a = await addAccount(s, 'tom', 'analyst');
    expect((await apiAs(s, a.token)('/sites')).status).toBe(200);
    const res = await owner('/accounts/tom/token', json('POST', {}));
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as AccountToken;
    expect(token).not.toBe(a.token);
    expect((await apiAs(s, a.token)('/sites')).status).toBe(401);
    expect((await apiAs(s, token)('/sites')).status).toBe(200);
    expect((await audit())[0]).toMatchObject({ action: 'account-token' });
  });

  it('a role change holds from the next request, for the token and the console session', async () => {
    const a = await addAccount(s, 'rita', 'owner');
    const asRita = apiAs(s, a.token);
    const session = consoleSession(s);
    expect((await session.loginAs(a.name, a.password)).status).toBe(303);
    expect((await asRita('/accounts')).status).toBe(200);
    expect((await session.get('/admin/accounts')).status).toBe(200);
    const res = await owner('/accounts/rita/role', json('POST', { role: 'analyst' }));
    expect(((await res.json()) as AccountChanged).changes).toEqual(['role owner -> analyst']);
    expect((await asRita('/accounts')).status).toBe(403);
    expect((await session.get('/admin/accounts')).status).toBe(403);
    expect(await (await asRita('/me')).json()).toMatchObject({ role: 'analyst' });
  });

  it('refuses bad input with 4xx naming the field, and an owner acting on its own account', async () => {
    expect((await owner('/accounts/nobody/disable', json('POST', {}))).status).toBe(404);
    const bad = await owner('/accounts/tom/role', json('POST', { role: 'root' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'role' });
    const o = await addAccount(s, 'otto', 'owner');
    const self = await apiAs(s, o.token)('/accounts/otto/disable', json('POST', {}));
    expect(self.status).toBe(409);
    expect(await self.json()).toMatchObject({ field: 'name' });
    // an editor may not
    const e = await addAccount(s, 'eve', 'editor');
    expect((await apiAs(s, e.token)('/accounts/tom/disable', json('POST', {}))).status).toBe(403);
    const list = (await (await owner('/accounts')).json()) as AccountList;
    expectShape(AccountList, list);
  });

  it("a password change ends the account's other sessions, and keeps the one that changed it", async () => {
    const a = await addAccount(s, 'paula', 'analyst');
    const one = consoleSession(s);
    const two = consoleSession(s);
    expect((await one.loginAs(a.name, a.password)).status).toBe(303);
    expect((await two.loginAs(a.name, a.password)).status).toBe(303);
    const changed = await one.postForm('/admin/account/password', {
      current: a.password,
      password: 'a new password 123',
    });
    expect(decodeURIComponent(changed.headers.get('location')!)).toMatch(/ok=Password changed/);
    expect((await one.get('/admin')).status).toBe(200);
    expect((await two.get('/admin')).headers.get('location')).toBe('/admin/login');
    // through the API (no session of its own), every console session of the account ends
    expect((await two.loginAs(a.name, 'a new password 123')).status).toBe(303);
    const api = await apiAs(s, a.token)(
      '/me/password',
      json('POST', { current: 'a new password 123', password: 'another password 456' }),
    );
    expect(api.status).toBe(200);
    expect((await one.get('/admin')).headers.get('location')).toBe('/admin/login');
    expect((await two.get('/admin')).headers.get('location')).toBe('/admin/login');
  });
});

describe('the console', () => {
  it('has an accounts page for owners: disable, enable, role, a new token shown once', async () => {
    const a = await addAccount(s, 'cleo', 'editor');
    const session = consoleSession(s);
    expect((await session.login()).status).toBe(303);
    const page = await (await session.get('/admin/accounts')).text();
    expect(page).toContain('data-account="cleo"');
    expect(page).toContain('action="/admin/accounts/cleo/disable"');
    expect(page).toContain('href="/admin/accounts"');
    const cleo = consoleSession(s);
    expect((await cleo.loginAs(a.name, a.password)).status).toBe(303);
    expect((await cleo.get('/admin/accounts')).status).toBe(403);

    const role = await session.postForm('/admin/accounts/cleo/role', { role: 'analyst' });
    expect(decodeURIComponent(role.headers.get('location')!)).toMatch(/ok=cleo: role editor -> analyst/);
    const disabled = await session.postForm('/admin/accounts/cleo/disable', {});
    expect(decodeURIComponent(disabled.headers.get('location')!)).toMatch(/ok=cleo: disabled/);
    expect((await cleo.get('/admin')).headers.get('location')).toBe('/admin/login');
    expect(await (await session.get('/admin/accounts')).text()).toContain(
      'action="/admin/accounts/cleo/enable"',
    );
    expect((await session.postForm('/admin/accounts/cleo/enable', {})).status).toBe(303);
    const token = await session.postForm('/admin/accounts/cleo/token', {});
    expect(token.status).toBe(200);
    const shown = (await token.text()).match(/<code>(edseg_[A-Za-z0-9_-]+)<\/code>/)?.[1];
    expect(shown).toBeTruthy();
    expect((await apiAs(s, shown!)('/me')).status).toBe(200);
    const missing = await session.postForm('/admin/accounts/nobody/disable', {});
    expect(decodeURIComponent(missing.headers.get('location')!)).toMatch(/error=no account named "nobody"/);
  });
});
