/**
 * Issue 19 point 10: Rotate then Retire, two clicks, broke every page that pinned the old key
 * (rotation re-signs every site, so the live-version check never refused). Retiring is refused (409)
 * while a manifest the key signed could still be valid on a device, naming the date; the console
 * asks for confirmation and says what the roll-out needs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyList } from '../../src/core/schema.js';
import { NOW, adminApiOf, consoleSession, json, useServer } from './helpers.js';

const s = useServer();
const owner = consoleSession(s);
let api: ReturnType<typeof adminApiOf>;
beforeAll(async () => {
  api = adminApiOf(s);
  expect((await owner.login()).status).toBe(303);
});
const keys = async () => ((await (await api('/keys')).json()) as KeyList).keys;
const flash = (res: Response) => decodeURIComponent(res.headers.get('location') ?? '');

describe('Rotate then Retire', () => {
  it('is refused (409) naming the date until which the old key signed a manifest a device may hold', async () => {
    s.clock.now = NOW;
    const [old] = await keys();
    const expiresAt = (await s.manifest()).expiresAt;
    expect(old!.validUntil).toBe(expiresAt);
    expect((await api('/keys/rotate', json('POST', {}))).status).toBe(201);
    // Every site was re-signed: no live version uses the old key any more, yet devices hold v1 until it expires.
    const status = (await keys()).find((k) => k.kid === old!.kid)!;
    expect(status.liveVersions).toEqual([]);
    expect(status.validUntil).toBe(expiresAt);
    const res = await api(`/keys/${old!.kid}/retire`, json('POST', {}));
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe('kid');
    expect(body.error).toContain(expiresAt);
    expect(body.error).toMatch(/pin the new key/);
    expect((await keys()).map((k) => k.kid)).toContain(old!.kid);
    // A second before the date, still refused; once it has passed, retired.
    s.clock.now = new Date(Date.parse(expiresAt) - 1000);
    expect((await api(`/keys/${old!.kid}/retire`, json('POST', {}))).status).toBe(409);
    s.clock.now = new Date(Date.parse(expiresAt) + 1000);
    expect((await api(`/keys/${old!.kid}/retire`, json('POST', {}))).status).toBe(200);
    expect((await keys()).map((k) => k.kid)).not.toContain(old!.kid);
  });
});

describe('the console', () => {
  it('shows each key\'s "valid until" and the roll-out, and asks for confirmation before retiring', async () => {
    s.clock.now = NOW;
    expect((await owner.postForm('/admin/keys/rotate', {})).status).toBe(303);
    const page = await (await owner.get('/admin/keys')).text();
    expect(page).toContain('data-testid="key-rollout"');
    expect(page).toMatch(/pin the new key/);
    expect(page).toContain('name="confirm"');
    const old = (await keys())[1]!;
    expect(page).toContain(old.validUntil!);
    // Without the confirmation: nothing retired, and the page says why.
    s.clock.now = new Date(Date.parse(old.validUntil!) + 1000);
    expect((await owner.login()).status).toBe(303); // sessions last 8 hours
    const unconfirmed = await owner.postForm(`/admin/keys/${old.kid}/retire`, {});
    expect(flash(unconfirmed)).toMatch(/error=Retiring .* needs confirmation/);
    expect((await keys()).map((k) => k.kid)).toContain(old.kid);
    // Confirmed but too early: the refusal names the date.
    s.clock.now = NOW;
    expect((await owner.login()).status).toBe(303);
    const early = await owner.postForm(`/admin/keys/${old.kid}/retire`, { confirm: 'yes' });
    expect(flash(early)).toContain(
      `error=key ${old.kid} signed manifests that devices may hold until ${old.validUntil}`,
    );
    s.clock.now = new Date(Date.parse(old.validUntil!) + 1000);
    expect((await owner.login()).status).toBe(303);
    const done = await owner.postForm(`/admin/keys/${old.kid}/retire`, { confirm: 'yes' });
    expect(flash(done)).toMatch(/ok=Key .* retired/);
  });
});
