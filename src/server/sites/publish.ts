/**
 * Publishing: a site's working definition and policy become a signed, versioned manifest, and
 * every publish and policy change is an audit-log entry saying who, when and what changed.
 *
 * Contract:
 * - versions only grow, one JWS per version, never rewritten (a re-sign is a new version);
 * - a publish is one transaction: the site row is locked, the version and its audit entry are
 *   written together, so two admins publishing at once get versions n+1 and n+2, not a clash;
 * - nothing invalid is signed: the manifest is checked against the schema first and the failing
 *   field is named in a 400 (an input error or a Refusal).
 */
import { canonical, same, withChangelog } from '../../core/diff.js';
import { undocumented } from '../../core/documentation.js';
import { MAX_VALIDITY_DAYS } from '../../core/manifest.js';
import { DAY_MS, Manifest, SitePolicy, manifestIssues, parseOrThrow } from '../../core/schema.js';
import type { PublishedVersion, SiteRecord } from '../../core/schema.js';
import { Refusal, unknownSite } from '../http/refusal.js';
import type { Signer } from '../identity/keys.js';
import { saveWorkingCopy } from './editor.js';
import { seriesKey } from '../estimates/series.js';
import type { SitePatch, Store } from '../storage/store.js';

/** A manifest is valid this long after it is signed: the longest a device accepts. */
export const VALIDITY_DAYS = MAX_VALIDITY_DAYS;
/** A manifest that expires within this many days (one signed a day ago or earlier) is re-signed. */
export const RESIGN_WITHIN_DAYS = VALIDITY_DAYS - 1;

/** The manifest a site's record becomes at `version`, signed `now`. */
export function buildManifest(
  site: Pick<SiteRecord, 'id' | 'origins' | 'definition' | 'policy'> & Partial<SiteRecord>,
  version: number,
  now: Date,
): Manifest {
  return {
    version,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + VALIDITY_DAYS * DAY_MS).toISOString(),
    site: { id: site.id, origins: site.origins },
    ...site.definition,
    policy: site.policy,
  };
}

export type PublishOptions = {
  actor: string;
  now: Date;
  note?: string;
  /** a full manifest to publish instead of the working definition (e.g. refined centroids); version and dates are the server's */
  manifest?: unknown;
  /**
   * What the site's working copy becomes once `published` is signed, written in the same
   * transaction. Default: with `manifest`, the published manifest's definition, policy and origins
   * (nothing left pending); without, nothing is written (the manifest was built from the working copy).
   */
  working?: (site: SiteRecord, published: Manifest) => SitePatch;
  /**
   * Whether `manifest` may set other `reporting` and `retention` than the stored ones (an owner's
   * publish). Default false: an editor's manifest naming others is refused (400 naming the field).
   * `site.origins` never changes here: only the owner's origins route changes them.
   */
  mayChangeReporting?: boolean;
};

/** The same origins, whatever their order or repeats. */
const sameOrigins = (a: readonly string[], b: readonly string[]): boolean =>
  new Set(a).size === new Set(b).size && a.every((o) => b.includes(o));

/**
 * Publishing signs what the owner set. Refuses (400 naming the field) a given manifest whose origins
 * are neither the site's stored (working) ones nor its published ones, or whose reporting or
 * retention are neither, when the publisher may not change them. Returns the origins to sign: the
 * stored ones; the published ones only when the manifest names them and `keepsPending` (the publish
 * leaves the working copy's pending changes pending, as a refinement does).
 */
function ownerFields(
  site: SiteRecord,
  published: Manifest | null,
  g: Partial<Manifest>,
  opts: { mayChangeReporting: boolean; keepsPending: boolean },
): string[] {
  const stored = [site.origins, ...(published ? [published.site.origins] : [])];
  const origins: unknown = g.site?.origins;
  if (
    origins !== undefined &&
    (!Array.isArray(origins) || !stored.some((o) => sameOrigins(origins as string[], o)))
  )
    throw new Refusal(
      400,
      `manifest.site.origins must be the site's origins (${site.origins.join(' ')}): only an owner changes them, through the origins route`,
      'manifest.site.origins',
    );
  if (!opts.mayChangeReporting)
    for (const key of ['reporting', 'retention'] as const) {
      const allowed = [site.definition[key], ...(published ? [published[key]] : [])];
      if (g[key] !== undefined && !allowed.some((x) => same(g[key], x)))
        throw new Refusal(
          400,
          `manifest.${key} must be the site's ${key} (${canonical(site.definition[key])}): only an owner changes it`,
          `manifest.${key}`,
        );
    }
  const named = origins as string[] | undefined;
  return published && named && opts.keepsPending && !sameOrigins(named, site.origins)
    ? published.site.origins
    : site.origins;
}

/** The working copy that makes `m` current with nothing pending. */
const workingOf = (m: Manifest): SitePatch => {
  const {
    features,
    models,
    reporting,
    retention,
    policy,
    site: { origins },
  } = m;
  return { definition: { features, models, reporting, retention }, policy, origins };
};

export type PublishResult = PublishedVersion & { changes: string[] };

/** Publishes the next version of a site; throws a Refusal naming the field when the result would be invalid (404 for an unknown site). */
export async function publishSite(
  store: Store,
  signer: Signer,
  siteId: string,
  opts: PublishOptions,
): Promise<PublishResult> {
  return store.transaction(async (tx) => {
    await tx.lockSite(siteId);
    const site = await tx.getSite(siteId);
    if (!site) throw unknownSite(siteId);
    if (site.disabledAt)
      throw new Refusal(
        409,
        `site "${siteId}" is disabled (${site.disabledAt}): it publishes nothing`,
        'site',
      );
    const prev = await tx.currentVersion(siteId);
    const version = (prev?.version ?? 0) + 1;

    let manifest = buildManifest(site, version, opts.now);
    if (opts.manifest !== undefined) {
      const given = opts.manifest;
      if (typeof given !== 'object' || given === null || Array.isArray(given))
        throw new Refusal(400, 'the manifest must be an object', 'manifest');
      const g = given as Partial<Manifest>;
      if (g.site?.id !== undefined && g.site.id !== siteId)
        throw new Refusal(400, `manifest.site.id must be "${siteId}"`, 'manifest.site.id');
      const origins = ownerFields(site, prev?.manifest ?? null, g, {
        mayChangeReporting: opts.mayChangeReporting === true,
        keepsPending: opts.working !== undefined,
      });
      manifest = {
        ...manifest,
        ...g,
        version,
        issuedAt: manifest.issuedAt,
        expiresAt: manifest.expiresAt,
        site: { id: siteId, origins },
      };
    }
    // Every segment the publish changes gets its changelog entry (who, what), in the working copy too.
    manifest = withChangelog(prev?.manifest ?? null, parseOrThrow(Manifest, manifest, 'manifest'), {
      date: opts.now.toISOString().slice(0, 10),
      actor: opts.actor,
      ...(opts.note ? { note: opts.note } : {}),
    });
    manifest = parseOrThrow(Manifest, manifest, 'manifest');
    // A segment it adds or whose card it changes must be documented (a plain re-sign changes none).
    const bare = undocumented(manifest.models, prev?.manifest.models ?? []);
    if (bare) throw new Refusal(400, bare.message, bare.field);
    const patch = opts.working
      ? opts.working(site, manifest)
      : opts.manifest !== undefined || !same(manifest.models, site.definition.models)
        ? workingOf(manifest)
        : {};
    if (Object.keys(patch).length > 0) await tx.updateSite(siteId, patch, opts.now.toISOString());

    const { jws, kid } = await signer.sign(manifest, tx);
    const published: PublishedVersion = {
      site: siteId,
      version,
      manifest,
      jws,
      kid,
      publishedAt: opts.now.toISOString(),
      publishedBy: opts.actor,
      series: seriesKey(manifest),
    };
    await tx.addVersion(published);
    const diff = describeChanges(prev?.manifest ?? null, manifest);
    const changes = diff.length
      ? diff
      : [`re-signed without content change, valid until ${manifest.expiresAt}`];
    await tx.appendAudit({
      at: published.publishedAt,
      actor: opts.actor,
      action: 'publish',
      site: siteId,
      version,
      summary: `published v${version}: ${changes.join('; ')}`,
      detail: { changes, kid, expiresAt: manifest.expiresAt, ...(opts.note ? { note: opts.note } : {}) },
    });
    return { ...published, changes };
  });
}

/** Replaces a site's working policy (live at the next publish); throws a Refusal naming the field (404 for an unknown site). */
export async function updatePolicy(
  store: Store,
  siteId: string,
  input: unknown,
  opts: { actor: string; now: Date },
): Promise<{ policy: SitePolicy; changes: string[] }> {
  const parsed = parseOrThrow(SitePolicy, input, 'policy');
  const policy = { allowed: [...new Set(parsed.allowed)], clear: [...new Set(parsed.clear)] };
  const write = await saveWorkingCopy(store, siteId, opts, (site) => {
    // Every policy issue (unknown segments, clear but not allowed, a model only partly in clear), the first one's field.
    const issues = manifestIssues({
      features: site.definition.features,
      models: site.definition.models,
      policy,
    }).filter((i) => i.path[0] === 'policy');
    if (issues.length > 0)
      throw new Refusal(
        400,
        issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        issues[0]!.path.join('.'),
      );
    const changes = policyChanges(site.policy, policy);
    return {
      patch: { policy },
      action: 'policy-update',
      what: 'policy edited',
      changes,
      detail: { before: site.policy, after: policy, changes },
    };
  });
  return { policy, changes: [...write!.changes] };
}

/** Re-signs (as a new version) every site whose current manifest expires within RESIGN_WITHIN_DAYS. */
export async function resignExpiring(store: Store, signer: Signer, now: Date): Promise<PublishResult[]> {
  const out: PublishResult[] = [];
  for (const { site, version, expiresAt } of await store.currentExpiries()) {
    if (Date.parse(expiresAt) - now.getTime() > RESIGN_WITHIN_DAYS * DAY_MS) continue;
    out.push(
      await publishSite(store, signer, site, {
        actor: 'system (expiry)',
        now,
        note: `v${version} expires ${expiresAt}`,
      }),
    );
  }
  return out;
}

const added = (a: readonly string[], b: readonly string[]) => b.filter((x) => !a.includes(x));
/** Whether two documents are equal as JSON, whatever their key order (src/core/diff.ts). */
export { same };

/** `label +a, +b` and `label -c` for what `after` adds to and drops from `before`. */
export function listChange(label: string, before: readonly string[], after: readonly string[]): string[] {
  const plus = added(before, after);
  const minus = added(after, before);
  return [
    ...(plus.length ? [`${label} +${plus.join(', +')}`] : []),
    ...(minus.length ? [`${label} -${minus.join(', -')}`] : []),
  ];
}

function policyChanges(a: SitePolicy, b: SitePolicy): string[] {
  return [...listChange('allowed', a.allowed, b.allowed), ...listChange('clear', a.clear, b.clear)];
}

/** A short, human-readable diff of two manifests (the audit log's "what changed"); [] when nothing but the dates differs. */
export function describeChanges(prev: Manifest | null, next: Manifest): string[] {
  if (!prev) {
    const segments = next.models.reduce((n, m) => n + m.segments.length, 0);
    return [
      `first version: ${next.features.length} features, ${next.models.length} models, ${segments} segments, origins ${next.site.origins.join(' ')}`,
    ];
  }
  const out = [
    ...listChange('origins', prev.site.origins, next.site.origins),
    ...policyChanges(prev.policy, next.policy),
  ];
  out.push(
    ...listChange(
      'features',
      prev.features.map((f) => f.name),
      next.features.map((f) => f.name),
    ),
  );
  for (const f of next.features) {
    const old = prev.features.find((p) => p.name === f.name);
    if (old && !same(old, f)) out.push(`feature ${f.name} changed`);
  }
  out.push(
    ...listChange(
      'models',
      prev.models.map((m) => m.id),
      next.models.map((m) => m.id),
    ),
  );
  for (const m of next.models) {
    const old = prev.models.find((p) => p.id === m.id);
    if (!old) continue;
    if (old.purpose !== m.purpose) out.push(`model ${m.id} purpose ${old.purpose} -> ${m.purpose}`);
    if (!same(old.features, m.features)) out.push(`model ${m.id} features changed`);
    if (old.kind !== m.kind) out.push(`model ${m.id} kind ${old.kind} -> ${m.kind}`);
    else if (m.kind === 'centroids' && old.kind === 'centroids' && !same(old.centroids, m.centroids))
      out.push(`model ${m.id} centroids changed`);
    else if (
      m.kind === 'softmax' &&
      old.kind === 'softmax' &&
      !same([old.weights, old.bias], [m.weights, m.bias])
    )
      out.push(`model ${m.id} weights changed`);
    else if (m.kind === 'mlp' && old.kind === 'mlp' && !same(old.layers, m.layers))
      out.push(`model ${m.id} weights changed`);
    out.push(
      ...listChange(
        `model ${m.id} segments`,
        old.segments.map((s) => s.id),
        m.segments.map((s) => s.id),
      ),
    );
    for (const s of m.segments) {
      const os = old.segments.find((x) => x.id === s.id);
      // The changelog is written by the publish itself (withChangelog), so it is not a change of its own.
      const card = (x: typeof s) => ({ ...x, documentation: { ...x.documentation, changelog: [] } });
      if (os && !same(card(os), card(s))) out.push(`segment ${s.id} definition or documentation changed`);
    }
  }
  for (const key of ['reporting', 'retention'] as const) {
    if (!same(prev[key], next[key])) out.push(`${key} ${canonical(prev[key])} -> ${canonical(next[key])}`);
  }
  return out;
}
