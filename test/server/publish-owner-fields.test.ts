/**
 * Issue 19 point 2: publishing signs the stored origins. An editor's publish body naming other
 * `site.origins`, reporting or retention is refused (400 naming the field) and changes nothing;
 * origins change only through the owner's origins route, reporting and retention only by an owner.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/schema.js';
import { publishSite } from '../../src/server/sites/publish.js';
import { addAccount, adminApiOf, apiAs, json, useServer } from './helpers.js';

const s = useServer();
let editor: ReturnType<typeof apiAs>;
beforeAll(async () => {
  editor = apiAs(s, (await addAccount(s, 'eddie', 'editor')).token);
});

const current = async (): Promise<Manifest> => s.manifest();
const working = async () =>
  (await (await adminApiOf(s)('/sites/lingua-kids/working')).json()) as {
    origins: string[];
    definition: Pick<Manifest, 'reporting' | 'retention'>;
  };

describe("an editor's publish", () => {
  it('is refused (400 manifest.site.origins) when the body names other origins, and nothing changes', async () => {
    const before = await current();
    const evil = { ...before, site: { ...before.site, origins: ['https://evil.example'] } };
    for (const body of [evil, { manifest: evil }]) {
      const res = await editor('/sites/lingua-kids/publish', json('POST', body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'manifest.site.origins' });
    }
    expect((await current()).version).toBe(before.version);
    expect((await current()).site.origins).toEqual(before.site.origins);
    expect((await working()).origins).toEqual(before.site.origins);
  });

  it('is refused (400 manifest.reporting / manifest.retention) when it changes reporting or retention', async () => {
    const before = await current();
    const cases = [
      [{ ...before, reporting: { ...before.reporting, kThreshold: 500 } }, 'manifest.reporting'],
      [{ ...before, retention: { ...before.retention, rawEventDays: 7 } }, 'manifest.retention'],
    ] as const;
    for (const [body, field] of cases) {
      const res = await editor('/sites/lingua-kids/publish', json('POST', body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field });
    }
    expect((await current()).version).toBe(before.version);
    expect((await working()).definition.reporting).toEqual(before.reporting);
  });

  it('signs the stored origins when the body repeats them (in any order), and publishes the rest', async () => {
    const before = await current();
    const origins = [...before.site.origins].reverse();
    const res = await editor(
      '/sites/lingua-kids/publish',
      json('POST', { ...before, site: { ...before.site, origins } }),
    );
    expect(res.status).toBe(201);
    const after = await current();
    expect(after.version).toBe(before.version + 1);
    expect(after.site.origins).toEqual(before.site.origins);
  });
});

describe('while an origin change is pending', () => {
  it('a publish that keeps pending changes (a refinement) signs the published origins and leaves the change pending', async () => {
    const before = await current();
    const api = adminApiOf(s);
    expect(
      (await api('/sites/lingua-kids/origins', json('POST', { add: ['https://pending.example'] }))).status,
    ).toBe(200);
    const v = await publishSite(s.store, s.signer, 'lingua-kids', {
      actor: 'test',
      now: s.clock.now,
      manifest: before,
      working: () => ({}),
    });
    expect(v.manifest.site.origins).toEqual(before.site.origins);
    expect((await working()).origins).toContain('https://pending.example');
  });

  it("an editor's publish naming the published origins signs the stored ones", async () => {
    const before = await current();
    const res = await editor('/sites/lingua-kids/publish', json('POST', before));
    expect(res.status).toBe(201);
    expect((await current()).site.origins).toContain('https://pending.example');
  });
});

describe('the owner', () => {
  it('changes origins through the origins route only; a publish naming them is refused for owners too', async () => {
    const api = adminApiOf(s);
    const before = await current();
    const other = { ...before, site: { ...before.site, origins: ['https://new.example'] } };
    expect((await api('/sites/lingua-kids/publish', json('POST', other))).status).toBe(400);
    const added = await api('/sites/lingua-kids/origins', json('POST', { add: ['https://new.example'] }));
    expect(added.status).toBe(200);
    expect((await api('/sites/lingua-kids/publish', json('POST', {}))).status).toBe(201);
    expect((await current()).site.origins).toContain('https://new.example');
  });

  it('may change reporting and retention through a publish', async () => {
    const before = await current();
    const res = await adminApiOf(s)(
      '/sites/lingua-kids/publish',
      json('POST', {
        ...before,
        retention: { ...before.retention, rawEventDays: before.retention.rawEventDays + 1 },
      }),
    );
    expect(res.status).toBe(201);
    expect((await current()).retention.rawEventDays).toBe(before.retention.rawEventDays + 1);
  });
});

describe("reporting.budget.freshStore (issue 17 point 4: a wiped store waits a window on a site's say)", () => {
  it("is 'report' in the demo site's manifest: a demo shows a report on a learner's first visit", async () => {
    expect((await current()).reporting.budget.freshStore).toBe('report');
  });

  it("is 'wait' in the working copy of a site created through the admin, from either template", async () => {
    const api = adminApiOf(s);
    for (const template of ['empty', 'demo'] as const) {
      const id = `fresh-${template}`;
      const created = await api(
        '/sites',
        json('POST', { id, name: id, origins: ['https://fresh.example'], template }),
      );
      expect(created.status).toBe(201);
      const copy = (await (await api(`/sites/${id}/working`)).json()) as {
        definition: Pick<Manifest, 'reporting'>;
      };
      expect(copy.definition.reporting.budget.freshStore, template).toBe('wait');
    }
  });

  it("an editor's publish changing it is refused (400 manifest.reporting) and nothing changes", async () => {
    const before = await current();
    const reporting = { ...before.reporting, budget: { ...before.reporting.budget, freshStore: 'wait' } };
    const res = await editor('/sites/lingua-kids/publish', json('POST', { ...before, reporting }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'manifest.reporting' });
    expect((await current()).version).toBe(before.version);
    expect((await current()).reporting.budget.freshStore).toBe('report');
  });
});
