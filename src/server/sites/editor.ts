/**
 * Editing a site's working copy (src/core/edit.ts) in one transaction with its audit entry, and the
 * diff of the working copy against the published version (src/core/diff.ts) that the "Review and
 * publish" page and GET /admin/api/sites/:site/diff show. Nothing here is live before a publish.
 */
import { comparableOf, diffSites } from '../../core/diff.js';
import type { Comparable } from '../../core/diff.js';
import { applyEdit } from '../../core/edit.js';
import type { WorkingEdit } from '../../core/edit.js';
import { unknownSite } from '../http/refusal.js';
import type { SiteRecord, WorkingDiff, WorkingEdited } from '../../core/schema.js';
import type { SitePatch, Store } from '../storage/store.js';

/** A site's working copy as a Comparable. */
const workingOf = (site: SiteRecord): Comparable => ({
  ...site.definition,
  policy: site.policy,
  origins: site.origins,
});

/** The words of a diff, one line per changed field ("feature x: clip [0,3] -> [0,4]"). */
export function diffLines(d: WorkingDiff): string[] {
  const field = (c: { field: string; old: string | null; new: string | null }) =>
    c.old === null
      ? `${c.field} + ${c.new}`
      : c.new === null
        ? `${c.field} - ${c.old}`
        : `${c.field} ${c.old} -> ${c.new}`;
  const item = (what: string, x: { id: string; status: string; changes: typeof d.origins }) =>
    x.status === 'changed'
      ? x.changes.map((c) => `${what} ${x.id}: ${field(c)}`)
      : [`${what} ${x.id} ${x.status}`];
  return [
    ...d.origins.map(field),
    ...d.features.flatMap((f) => item('feature', f)),
    ...d.models.flatMap((m) => [
      ...(m.status === 'changed' ? item('model', m) : [`model ${m.id} ${m.status}`]),
      ...(m.status === 'changed' ? m.segments.flatMap((s) => item('segment', s)) : []),
    ]),
    ...d.policy.map(field),
    ...d.reporting.map((c) => `reporting.${field(c)}`),
    ...d.retention.map((c) => `retention.${field(c)}`),
  ];
}

/** What one edit of a working copy writes: the patch, and its audit entry's action, words and detail. */
export type WorkingWrite = {
  patch: SitePatch;
  action: string;
  /** the audit summary's head, e.g. "policy edited" */
  what: string;
  changes: readonly string[];
  detail: Record<string, unknown>;
};

/**
 * The one way a working copy changes (policy, origins, features, models, documentation): in one
 * transaction with the site locked, `decide` sees the site (404 when unknown) and returns what to
 * write, or null for nothing; the patch and its audit entry "<what> (live at the next publish): ..."
 * are written together. Resolves with what `decide` returned.
 */
export async function saveWorkingCopy<W extends WorkingWrite>(
  store: Store,
  siteId: string,
  opts: { actor: string; now: Date },
  decide: (site: SiteRecord) => W | null,
): Promise<W | null> {
  return store.transaction(async (tx) => {
    await tx.lockSite(siteId);
    const site = await tx.getSite(siteId);
    if (!site) throw unknownSite(siteId);
    const write = decide(site);
    if (!write) return null;
    const at = opts.now.toISOString();
    await tx.updateSite(siteId, write.patch, at);
    await tx.appendAudit({
      at,
      actor: opts.actor,
      action: write.action,
      site: siteId,
      version: null,
      summary: `${write.what} (live at the next publish): ${write.changes.length ? write.changes.join('; ') : 'no change'}`,
      detail: write.detail,
    });
    return write;
  });
}

/**
 * Applies one edit to a site's working copy and writes it with an audit entry ('definition-edit');
 * throws EditRefused (400 naming the field, 404 for an item) or a 404 Refusal for the site.
 */
export async function editWorkingCopy(
  store: Store,
  siteId: string,
  edit: WorkingEdit,
  opts: { actor: string; now: Date },
): Promise<WorkingEdited> {
  const write = await saveWorkingCopy(store, siteId, opts, (site) => {
    const next = applyEdit({ definition: site.definition, policy: site.policy }, edit);
    const diff = diffSites(
      siteId,
      { version: null, site: workingOf(site) },
      { ...next.definition, policy: next.policy, origins: site.origins },
    );
    const changes = diffLines(diff);
    const what =
      edit.kind === 'put-documentation'
        ? `documentation of ${edit.segment}`
        : edit.kind.endsWith('feature')
          ? `feature ${'name' in edit ? edit.name : ''}`
          : `model ${'id' in edit ? edit.id : ''}`;
    return {
      patch: { definition: next.definition, policy: next.policy },
      action: 'definition-edit',
      what: `${edit.kind.startsWith('delete') ? 'deleted' : 'edited'} ${what}`,
      // the summary names the first five; the detail and the answer keep them all
      changes: changes.length > 5 ? [...changes.slice(0, 5), '…'] : changes,
      detail: { edit: edit.kind, changes, notes: next.notes },
      all: changes,
      notes: next.notes,
    };
  });
  return { changes: write!.all, notes: write!.notes, published: false };
}

/** The working copy of a site against its published version; throws a 404 Refusal for an unknown site. */
export async function loadWorkingDiff(store: Store, siteId: string): Promise<WorkingDiff> {
  const site = await store.getSite(siteId);
  if (!site) throw unknownSite(siteId);
  const current = await store.currentVersion(siteId);
  return diffSites(
    siteId,
    current && { version: current.version, site: comparableOf(current.manifest) },
    workingOf(site),
  );
}
