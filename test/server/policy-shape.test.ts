// The shape rule on the provider side (PRIVACY.md "The shape rule"): a `clear` list that covers only
// part of a model would make the channel, and so the report's shape, depend on the segment. Saving
// such a policy and publishing such a manifest are refused, naming the model; the console ticks
// "report in clear" per model.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/schema.js';
import { adminApiOf, consoleSession, siteViewOf, json, useServer } from './helpers.js';

const s = useServer();

const api = (path: string, init?: RequestInit) => adminApiOf(s)(path, init);
const view = () => siteViewOf(api);
const published = async (): Promise<Manifest> => (await s.store.currentVersion('lingua-kids'))!.manifest;
const idsOf = (m: Manifest, model: string) => m.models.find((x) => x.id === model)!.segments.map((x) => x.id);

describe('a policy whose clear list covers part of a model', () => {
  it('is refused on save with 400, naming the model and which segments are and are not in clear', async () => {
    const before = await view();
    const m = await published();
    const clear = [...idsOf(m, 'pace'), ...idsOf(m, 'mastery').slice(0, 1)];
    const res = await api(
      '/sites/lingua-kids/policy',
      json('PUT', { allowed: before.policy.allowed, clear }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe('policy.clear');
    expect(body.error).toContain('model "mastery"');
    expect(body.error).toContain(`in clear: ${idsOf(m, 'mastery')[0]}`);
    expect(body.error).toContain(`not: ${idsOf(m, 'mastery').slice(1).join(', ')}`);
    expect(body.error).not.toContain('model "pace"');
    expect((await view()).policy).toEqual(before.policy);
  });

  it('names every model in part: one issue per model', async () => {
    const m = await published();
    const clear = [idsOf(m, 'pace')[0]!, idsOf(m, 'mastery')[0]!];
    const res = await api(
      '/sites/lingua-kids/policy',
      json('PUT', { allowed: (await view()).policy.allowed, clear }),
    );
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toContain('model "pace"');
    expect(error).toContain('model "mastery"');
  });

  it('is refused on publish with 400, naming the model, and nothing is signed', async () => {
    const m = await published();
    const policy = { allowed: m.policy.allowed, clear: idsOf(m, 'pace').slice(1) };
    const res = await api('/sites/lingua-kids/publish', json('POST', { ...m, policy }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe('manifest.policy.clear');
    expect(body.error).toContain('model "pace"');
    expect(body.error).toContain(`not: ${idsOf(m, 'pace')[0]}`);
    expect((await published()).version).toBe(m.version);
  });

  it('is refused when the working copy is published, should one ever be stored', async () => {
    const m = await published();
    const site = (await s.store.getSite('lingua-kids'))!;
    const partial = { allowed: site.policy.allowed, clear: idsOf(m, 'pace').slice(0, 2) };
    await s.store.updateSite('lingua-kids', { policy: partial }, new Date().toISOString());
    try {
      const res = await api('/sites/lingua-kids/publish', json('POST', { note: 'partial' }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain('model "pace"');
      expect((await published()).version).toBe(m.version);
    } finally {
      await s.store.updateSite('lingua-kids', { policy: site.policy }, new Date().toISOString());
    }
  });

  it('the seeded policy (the whole pace model in clear) passes', async () => {
    const m = await published();
    expect(m.policy.clear).toEqual(idsOf(m, 'pace'));
    const res = await api('/sites/lingua-kids/policy', json('PUT', m.policy));
    expect(res.status).toBe(200);
  });
});

describe('the console offers "report in clear" per model', () => {
  let c: ReturnType<typeof consoleSession>;
  beforeAll(async () => {
    c = consoleSession(s);
    await c.login();
  });
  const get = (path: string) => c.get(path);
  const postForm = (path: string, fields: Record<string, string | string[]>) => c.postForm(path, fields);

  it('renders one "report in clear" checkbox per model, ticked for the whole pace model, none per segment', async () => {
    const page = await (await get('/admin/sites/lingua-kids')).text();
    const m = await published();
    for (const model of m.models) expect(page).toContain(`name="clearModel" value="${model.id}"`);
    expect(page.match(/name="clearModel"/g)).toHaveLength(m.models.length);
    expect(page).toMatch(/name="clearModel" value="pace"[^>]*checked/);
    expect(page).not.toMatch(/name="clearModel" value="mastery"[^>]*checked/);
    expect(page).not.toContain('name="clear"');
  });

  it('ticking a model sets every segment of that model in clear', async () => {
    const m = await published();
    const allowed = (await view()).policy.allowed;
    const res = await postForm('/admin/sites/lingua-kids/policy', {
      allowed,
      clearModel: ['pace', 'mastery'],
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('ok=');
    expect((await view()).policy.clear.sort()).toEqual([...idsOf(m, 'pace'), ...idsOf(m, 'mastery')].sort());
    await postForm('/admin/sites/lingua-kids/policy', { allowed, clearModel: ['pace'] });
    expect((await view()).policy.clear).toEqual(idsOf(m, 'pace'));
  });

  it('refuses a partial model posted as segment ids, and shows the error in the policy form naming the model', async () => {
    const m = await published();
    const allowed = (await view()).policy.allowed;
    // One box unticked as well: the page shows it unticked, as typed, though it is still allowed as stored.
    const typed = allowed.filter((id) => id !== 'upgrade-candidate');
    const res = await postForm('/admin/sites/lingua-kids/policy', {
      allowed: typed,
      clear: idsOf(m, 'mastery')[0]!,
    });
    // The site page again (400), the message in the policy form, the boxes as they were ticked.
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(/id="policy-error">[^<]*model &quot;mastery&quot;/);
    for (const id of typed) expect(page).toMatch(new RegExp(`name="allowed" value="${id}"[^>]*checked`));
    expect(allowed).toContain('upgrade-candidate');
    expect(page).not.toMatch(/name="allowed" value="upgrade-candidate"[^>]*checked/);
    expect((await view()).policy.clear).toEqual(idsOf(m, 'pace'));
  });

  it('refuses an unknown model', async () => {
    const allowed = (await view()).policy.allowed;
    const res = await postForm('/admin/sites/lingua-kids/policy', { allowed, clearModel: 'nope' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/id="policy-error">[^<]*unknown model &quot;nope&quot;/);
  });
});
