/**
 * The console's site and key forms: "New site" (refusals shown beside their field with everything typed
 * kept), the origins editor, disabling, and the keys page (rotate, retire); owners only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/schema.js';
import { NOW, addAccount, consoleSession, useServer } from './helpers.js';

const s = useServer();
const owner = consoleSession(s);
let olive = { name: '', password: '' };
const editor = consoleSession(s);
beforeAll(async () => {
  const o = await addAccount(s, 'olive', 'owner');
  const e = await addAccount(s, 'ed', 'editor');
  olive = o;
  expect((await owner.loginAs(o.name, o.password)).status).toBe(303);
  expect((await editor.loginAs(e.name, e.password)).status).toBe(303);
});
const lastAudit = async (): Promise<AuditRecord> => (await s.store.listAudit({ limit: 1 }))[0]!;

describe('the New site form', () => {
  it('shows to owners only', async () => {
    expect(await (await owner.get('/admin')).text()).toContain('id="new-site"');
    expect(await (await editor.get('/admin')).text()).not.toContain('id="new-site"');
  });

  it('shows a bad origin beside its field and keeps everything typed', async () => {
    const res = await owner.postForm('/admin/sites', {
      id: 'math-club',
      name: 'Math Club',
      origins: 'https://math.example\nhttps://bad.example/path',
      template: 'demo',
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(/id="error-origins"[^>]*>[^<]*URL origin/);
    expect(page).toContain('value="math-club"');
    expect(page).toContain('value="Math Club"');
    expect(page).toContain('https://bad.example/path');
    expect(page).toMatch(/<option value="demo" selected/);
    expect(await s.store.getSite('math-club')).toBeNull();
  });

  it('creates the site from the template and goes to its page; an editor is refused (403)', async () => {
    const fields = { id: 'math-club', name: 'Math Club', origins: 'http://127.0.0.1:8788', template: 'demo' };
    expect((await editor.postForm('/admin/sites', fields)).status).toBe(403);
    const res = await owner.postForm('/admin/sites', fields);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/admin\/sites\/math-club\?ok=/);
    expect((await s.store.getSite('math-club'))!.definition.models.length).toBeGreaterThan(0);
    expect(await lastAudit()).toMatchObject({ action: 'site-create', actor: 'olive', site: 'math-club' });
    // A new site fails closed after a full wipe; the demo site reports at once (PRIVACY.md "Storage that disappears").
    const fresh = (page: string) =>
      /data-testid="fresh-store">[^<]*<code>freshStore: (\w+)<\/code>/.exec(page)?.[1];
    expect(fresh(await (await owner.get('/admin/sites/math-club')).text())).toBe('wait');
    expect(fresh(await (await editor.get('/admin/sites/lingua-kids')).text())).toBe('report');
    const again = await owner.postForm('/admin/sites', fields);
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/id="error-id"[^>]*>[^<]*exists already/);
  });
});

describe('the origins editor and disabling', () => {
  it('adds and removes origins from the site page (owners); the page lists them', async () => {
    const add = await owner.postForm('/admin/sites/math-club/origins', { add: 'https://math.example' });
    expect(add.status).toBe(303);
    expect(decodeURIComponent(add.headers.get('location')!)).toContain('origins +https://math.example');
    const remove = await owner.postForm('/admin/sites/math-club/origins', {
      remove: 'http://127.0.0.1:8788',
    });
    expect(remove.status).toBe(303);
    expect((await s.store.getSite('math-club'))!.origins).toEqual(['https://math.example']);
    const bad = await owner.postForm('/admin/sites/math-club/origins', { add: 'not an origin' });
    expect(decodeURIComponent(bad.headers.get('location')!)).toMatch(/error=.*URL origin/);
    expect(
      (await editor.postForm('/admin/sites/math-club/origins', { add: 'https://x.example' })).status,
    ).toBe(403);
    const page = await (await owner.get('/admin/sites/math-club')).text();
    expect(page).toContain('<code>https://math.example</code>');
    expect(page).toContain('action="/admin/sites/math-club/disable"');
    expect(await (await editor.get('/admin/sites/math-club')).text()).not.toContain('/disable"');
  });

  it('disables only with the site id typed to confirm; the page then says it is disabled', async () => {
    const unconfirmed = await owner.postForm('/admin/sites/math-club/disable', { confirm: 'nope' });
    expect(decodeURIComponent(unconfirmed.headers.get('location')!)).toMatch(/error=Type the site id/);
    expect((await s.store.getSite('math-club'))!.disabledAt).toBeNull();
    expect((await owner.postForm('/admin/sites/math-club/disable', { confirm: 'math-club' })).status).toBe(
      303,
    );
    expect((await s.store.getSite('math-club'))!.disabledAt).not.toBeNull();
    expect(await (await owner.get('/admin/sites/math-club')).text()).toMatch(/Disabled since/);
    expect(await (await owner.get('/admin')).text()).toMatch(
      /math-club<\/code><\/a\s*>\s*<span class="tag no">disabled/,
    );
  });
});

describe('the keys page', () => {
  it('lists the keys; rotates and retires (owners); an editor sees it without the buttons and is refused', async () => {
    const page = await (await owner.get('/admin/keys')).text();
    expect(page).toContain('signs now');
    expect(page).toContain('action="/admin/keys/rotate"');
    expect(await (await editor.get('/admin/keys')).text()).not.toContain('action="/admin/keys/rotate"');
    expect((await editor.postForm('/admin/keys/rotate', {})).status).toBe(403);
    const [old] = (await s.signer.publicJwks()).keys;
    const rotated = await owner.postForm('/admin/keys/rotate', {});
    expect(rotated.status).toBe(303);
    expect(decodeURIComponent(rotated.headers.get('location')!)).toMatch(
      /ok=New signing key .*lingua-kids v2/,
    );
    expect((await s.signer.publicJwks()).keys).toHaveLength(2);
    expect(await (await owner.get('/admin/keys')).text()).toContain(
      `action="/admin/keys/${old!.kid}/retire"`,
    );
    // Retired once the manifests it signed have expired (src/server/identity/keys.ts), and confirmed.
    const early = await owner.postForm(`/admin/keys/${old!.kid}/retire`, { confirm: 'yes' });
    expect(decodeURIComponent(early.headers.get('location')!)).toMatch(/error=key .* devices may hold until/);
    s.clock.now = new Date(NOW.getTime() + 60 * 86_400_000);
    expect((await owner.loginAs(olive.name, olive.password)).status).toBe(303);
    const retired = await owner.postForm(`/admin/keys/${old!.kid}/retire`, { confirm: 'yes' });
    s.clock.now = NOW;
    expect((await owner.loginAs(olive.name, olive.password)).status).toBe(303);
    expect(decodeURIComponent(retired.headers.get('location')!)).toMatch(/ok=Key .* retired/);
    expect((await s.signer.publicJwks()).keys.map((k) => k.kid)).not.toContain(old!.kid);
    expect(await lastAudit()).toMatchObject({ action: 'key-retire', actor: 'olive' });
    const [current] = (await s.signer.publicJwks()).keys;
    const refused = await owner.postForm(`/admin/keys/${current!.kid}/retire`, { confirm: 'yes' });
    expect(decodeURIComponent(refused.headers.get('location')!)).toMatch(/error=key .* signs now/);
  });
});
