/**
 * Sites as an owner manages them: create (empty, or from the `demo` template: the demo site's
 * features and models), edit the allowed origins (live at the next publish), disable. Each is one
 * transaction with its audit entry. Publishing and policies are publish.ts's, keys identity/keys.ts's.
 */
import { SiteCreateInput, SiteOriginsInput, parseOrThrow } from '../../core/schema.js';
import type { SiteChanged, SiteDefinition, SitePolicy, SiteSummary } from '../../core/schema.js';
import { Refusal, unknownSite } from '../http/refusal.js';
import { saveWorkingCopy } from './editor.js';
import { listChange } from './publish.js';
import { seedDefinition, seedPolicy } from '../demo/seed.js';
import type { Store } from '../storage/store.js';

type Acting = { actor: string; now: Date };

/**
 * What a new site starts with: `empty` (no features or models yet: the demo's reporting and retention),
 * or `demo`; either with `reporting.budget.freshStore: 'wait'`.
 */
export function templateOf(
  template: 'empty' | 'demo',
  now: Date,
): { definition: SiteDefinition; policy: SitePolicy } {
  const seed = seedDefinition(now.toISOString().slice(0, 10));
  // Fail closed for a new site: a store created knowing nothing of the site (a new device, or one
  // Safari wiped) reports only after a window (PRIVACY.md "Storage that disappears"). The demo
  // site itself reports at once (seed.ts); an owner may choose 'report' here too.
  const reporting = { ...seed.reporting, budget: { ...seed.reporting.budget, freshStore: 'wait' as const } };
  const demo = { ...seed, reporting };
  if (template === 'demo') {
    // The demo's changelogs are the demo site's history: the new site's starts at its own first publish.
    const models = demo.models.map((m) => ({
      ...m,
      segments: m.segments.map((s) => ({ ...s, documentation: { ...s.documentation, changelog: [] } })),
    }));
    return { definition: { ...demo, models }, policy: seedPolicy(models) };
  }
  return {
    definition: { features: [], models: [], reporting: demo.reporting, retention: demo.retention },
    policy: { allowed: [], clear: [] },
  };
}

/** One site's line of the site list; throws a 404 Refusal for an unknown site. */
export async function siteSummary(store: Store, id: string): Promise<SiteSummary> {
  const s = (await store.listSites()).find((x) => x.id === id);
  if (!s) throw unknownSite(id);
  return s;
}

/** Creates a site (nothing published yet); 400 naming the field (`origins.1`), 409 when the id is taken. */
export async function createSite(store: Store, input: unknown, opts: Acting): Promise<SiteChanged> {
  const { id, name, origins, template = 'empty' } = parseOrThrow(SiteCreateInput, input);
  const unique = [...new Set(origins)];
  const at = opts.now.toISOString();
  await store.transaction(async (tx) => {
    if (!(await tx.createSite({ id, name, origins: unique, ...templateOf(template, opts.now) }, at)))
      throw new Refusal(409, `a site with the id "${id}" exists already`, 'id');
    await tx.appendAudit({
      at,
      actor: opts.actor,
      action: 'site-create',
      site: id,
      version: null,
      summary: `site ${id} created from the ${template} template, origins ${unique.join(' ')} (nothing published yet)`,
      detail: { name, origins: unique, template },
    });
  });
  return { site: await siteSummary(store, id), changes: [`created from the ${template} template`] };
}

/** Adds and removes allowed origins (live at the next publish); 400 naming `add.N` / `remove.N`, 404 for an unknown site. */
export async function updateOrigins(
  store: Store,
  siteId: string,
  input: unknown,
  opts: Acting,
): Promise<SiteChanged> {
  const { add = [], remove = [] } = parseOrThrow(SiteOriginsInput, input);
  if (add.length === 0 && remove.length === 0)
    throw new Refusal(400, 'give origins to add or to remove', 'add');
  const write = await saveWorkingCopy(store, siteId, opts, (site) => {
    remove.forEach((o, i) => {
      if (!site.origins.includes(o))
        throw new Refusal(400, `"${o}" is not an origin of ${siteId}`, `remove.${i}`);
    });
    const origins = [...new Set([...site.origins.filter((o) => !remove.includes(o)), ...add])];
    if (origins.length === 0) throw new Refusal(400, 'a site keeps at least one origin', 'remove');
    const changes = listChange('origins', site.origins, origins);
    if (changes.length === 0) return null;
    return {
      patch: { origins },
      action: 'site-origins',
      what: 'origins edited',
      changes,
      detail: { before: site.origins, after: origins },
    };
  });
  const changes = write ? [...write.changes] : [];
  return { site: await siteSummary(store, siteId), changes };
}

/**
 * Disables a site: from now on it serves no manifest and its reports are refused (410), it cannot
 * be published, and expiry re-signing and key rotation skip it. Its versions, reports, estimates
 * and audit log stay. Disabling a disabled site changes nothing.
 */
export async function disableSite(store: Store, siteId: string, opts: Acting): Promise<SiteChanged> {
  const changes = await store.transaction(async (tx) => {
    await tx.lockSite(siteId);
    const site = await tx.getSite(siteId);
    if (!site) throw unknownSite(siteId);
    if (site.disabledAt) return [];
    await tx.disableSite(siteId, opts.now.toISOString());
    await tx.appendAudit({
      at: opts.now.toISOString(),
      actor: opts.actor,
      action: 'site-disable',
      site: siteId,
      version: null,
      summary: `site ${siteId} disabled: no manifest served, reports refused (410)`,
      detail: {},
    });
    return ['disabled'];
  });
  return { site: await siteSummary(store, siteId), changes };
}

/** The 410 a disabled site's manifest and reports get. */
export const disabledRefusal = (site: string, field: string): Refusal =>
  new Refusal(410, `site "${site}" is disabled: it serves no manifest and takes no report`, field);
