/** edseg-server --no-demo (EDSEG_NO_DEMO=1): no demo site seeded, no /demo/ route, the banner says so. */
import { describe, expect, it } from 'vitest';
import type { SiteList } from '../../src/core/schema.js';
import { banner, optionsFrom } from '../../src/server/cli.js';
import { useRunningServer } from './helpers.js';

const TOKEN = 'no-demo-token-0123456789';
const server = useRunningServer('edseg-no-demo-', { adminToken: TOKEN, demo: false });

describe('--no-demo', () => {
  it('is read from the flag and from EDSEG_NO_DEMO=1; the demo stays on by default', () => {
    expect(optionsFrom(['--no-demo'], {})).toMatchObject({ demo: false });
    expect(optionsFrom([], { EDSEG_NO_DEMO: '1' })).toMatchObject({ demo: false });
    expect(optionsFrom([], {})).not.toHaveProperty('demo');
    expect(optionsFrom([], { EDSEG_NO_DEMO: '0' })).not.toHaveProperty('demo');
  });

  it('seeds no site: the site list is empty and the demo manifest is a 404', async () => {
    expect(server.seed).toBeNull();
    const res = await fetch(`${server.url}/admin/api/sites`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(((await res.json()) as SiteList).sites).toEqual([]);
    expect((await fetch(`${server.url}/v1/sites/lingua-kids/manifest`)).status).toBe(404);
  });

  it('has no /demo/ route, and / leads to the console', async () => {
    expect((await fetch(`${server.url}/demo/`)).status).toBe(404);
    expect((await fetch(`${server.url}/demo/index.html`)).status).toBe(404);
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/admin');
  });

  it('says so in the banner', () => {
    const text = banner(server);
    expect(text).toMatch(/demo {6}off \(--no-demo\)/);
    expect(text).not.toContain('lingua-kids');
    expect(text).not.toContain(`${server.url}/demo/`);
  });
});
