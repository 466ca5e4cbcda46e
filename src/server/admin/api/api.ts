/**
 * The admin JSON API under /admin/api/*. Who may call what is admin/access.ts's one table, checked by its
 * middleware before any route here runs (`Authorization: Bearer <account API token or admin token>`);
 * the audit log records the account the token belongs to (`X-Edseg-Actor` is not read).
 * Routes only: sites, accounts, the site view, the refinement and publishing live in sites/sites.ts,
 * identity/accounts.ts, sites/site-view.ts, sites/refinement.ts and sites/publish.ts.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { PublishInput, RefinementPublishInput, parseOrThrow } from '../../../core/schema.js';
import type {
  AccountCreated,
  AccountList,
  AuditLog,
  Installation,
  KeyList,
  Principal,
  SiteChanged,
  KeysRotated,
  PolicyUpdated,
  PublishedEstimates,
  Published,
  RefinementPublished,
  SiteList,
} from '../../../core/schema.js';
import { RefineParams } from '../../../core/schema.js';
import type { ServerDeps } from '../../runtime/deps.js';
import { loadEstimates } from '../../estimates/estimates.js';
import { limitBody, readJson } from '../../http/body.js';
import { Refusal } from '../../http/refusal.js';
import { changePassword, createAccount, listAccounts } from '../../identity/accounts.js';
import { keyStatuses, retireSigningKey, rotateSigningKey } from '../../identity/keys.js';
import { publishSite, updatePolicy } from '../../sites/publish.js';
import { loadRefinement, publishRefinement, refineParamsOf, unpublished } from '../../sites/refinement.js';
import { scienceApi } from '../../science/routes.js';
import { loadSiteView } from '../../sites/site-view.js';
import { loadInstallation } from '../../sites/installation.js';
import { createSite, disableSite, updateOrigins } from '../../sites/sites.js';
import { actorOf } from '../auth.js';
import { accountsApi } from './accounts-api.js';
import { editorApi } from './editor-api.js';

/** A full manifest with documentation is tens of KB; this leaves room without inviting abuse. */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024;

/** The /admin/api routes. */
export function adminApi(deps: ServerDeps): Hono {
  const api = new Hono();
  api.use('*', limitBody(MAX_ADMIN_BODY_BYTES));
  const actor = actorOf;
  const acting = (c: Context) => ({ actor: actor(c), now: deps.now() });

  api.get('/me', (c) => c.json(c.get('principal') satisfies Principal));

  api.post('/me/password', async (c) => {
    // The API has no session of its own: every console session of the account ends.
    await changePassword(deps.store, c.get('principal'), await readJson(c), deps.now(), {
      store: deps.guard.sessions,
    });
    return c.json(c.get('principal') satisfies Principal);
  });

  api.get('/sites', async (c) => c.json({ sites: await deps.store.listSites() } satisfies SiteList));

  api.post('/sites', async (c) =>
    c.json((await createSite(deps.store, await readJson(c), acting(c))) satisfies SiteChanged, 201),
  );

  api.post('/sites/:site/origins', async (c) =>
    c.json(
      (await updateOrigins(
        deps.store,
        c.req.param('site'),
        await readJson(c),
        acting(c),
      )) satisfies SiteChanged,
    ),
  );

  api.post('/sites/:site/disable', async (c) =>
    c.json((await disableSite(deps.store, c.req.param('site'), acting(c))) satisfies SiteChanged),
  );

  api.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    if (!view) throw new Refusal(404, 'unknown site', 'site');
    return c.json(view);
  });

  api.put('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    // updatePolicy checks the body against SitePolicy (400 naming policy.allowed.N / policy.clear.N), and the site (404).
    const result = await updatePolicy(deps.store, site, await readJson(c), {
      actor: actor(c),
      now: deps.now(),
    });
    return c.json({ ...result, published: false } satisfies PolicyUpdated);
  });

  api.post('/sites/:site/publish', async (c) => {
    const site = c.req.param('site');
    const body = await readJson(c, {});
    // Either PublishInput { manifest?, note? } or a bare manifest (recognised by its models), which
    // publishSite checks whole against Manifest once the server's fields are set.
    // A body that fails PublishInput throws an input error: 400 naming the field through onError.
    const { manifest, note }: PublishInput =
      typeof body === 'object' && body !== null && 'models' in body
        ? { manifest: body as Record<string, unknown> }
        : parseOrThrow(PublishInput, body);
    const published = await publishSite(deps.store, deps.signer, site, {
      actor: actor(c),
      now: deps.now(),
      ...(manifest !== undefined ? { manifest } : {}),
      ...(note ? { note: note.slice(0, 500) } : {}),
      // Reporting and retention are the owner's; origins only change through the origins route.
      mayChangeReporting: c.get('principal').role === 'owner',
    });
    return c.json(
      {
        site,
        version: published.version,
        kid: published.kid,
        expiresAt: published.manifest.expiresAt,
        changes: published.changes,
      } satisfies Published,
      201,
    );
  });

  api.get('/sites/:site/installation', async (c) => {
    const view = await loadInstallation(deps, c.req.param('site'));
    if (!view) throw new Refusal(404, 'unknown site', 'site');
    return c.json(view satisfies Installation);
  });

  api.get('/sites/:site/estimates', async (c) => {
    // The guard checked `version` (http/params.ts): absent or a positive integer. The live period is counted here.
    const q = c.req.query('version');
    const version = q === undefined ? undefined : Number(q);
    return c.json(
      (await loadEstimates(deps, c.req.param('site'), version, 'all')) satisfies PublishedEstimates,
    );
  });

  api.get('/sites/:site/refinement', async (c) => {
    const site = c.req.param('site');
    // Options that fail the schema throw an input error before any I/O: 400 naming maxStep or minSupport.
    const proposal = await loadRefinement(
      deps,
      site,
      parseOrThrow(
        RefineParams,
        refineParamsOf((n) => c.req.query(n)),
      ),
    );
    if (!proposal) throw await unpublished(deps.store, site);
    return c.json(proposal);
  });

  api.post('/sites/:site/refinement/publish', async (c) => {
    const input = parseOrThrow(RefinementPublishInput, await readJson(c, {}));
    const published = await publishRefinement(deps, c.req.param('site'), input, actor(c));
    return c.json(published satisfies RefinementPublished, 201);
  });

  api.get('/audit', async (c) => {
    const limit = Number(c.req.query('limit') ?? 200);
    const site = c.req.query('site');
    return c.json({
      entries: await deps.store.listAudit({
        ...(site ? { site } : {}),
        limit: Number.isFinite(limit) ? limit : 200,
      }),
    } satisfies AuditLog);
  });

  api.post('/keys/rotate', async (c) => {
    const { kid, republished } = await rotateSigningKey(deps.store, deps.signer, {
      actor: actor(c),
      now: deps.now(),
    });
    return c.json(
      {
        kid,
        keys: (await deps.signer.publicJwks()).keys,
        republished: republished.map((r) => ({ site: r.site, version: r.version })),
      } satisfies KeysRotated,
      201,
    );
  });

  // The working copy's editors and its diff against the published version (editor-api.ts).
  api.route('/', editorApi(deps, actor));

  api.get('/keys', async (c) =>
    c.json({ keys: await keyStatuses(deps.store, deps.signer, deps.now()) } satisfies KeyList),
  );

  api.post('/keys/:kid/retire', async (c) => {
    const kid = c.req.param('kid');
    const keys = await retireSigningKey(deps.store, deps.signer, kid, acting(c));
    return c.json({ keys, retired: kid } satisfies KeyList);
  });

  api.get('/accounts', async (c) =>
    c.json({ accounts: await listAccounts(deps.store) } satisfies AccountList),
  );

  api.post('/accounts', async (c) =>
    c.json((await createAccount(deps.store, await readJson(c), acting(c))) satisfies AccountCreated, 201),
  );

  // disable, enable, role, token (accounts-api.ts)
  api.route('/', accountsApi(deps));

  // drafts from fit/train and the drift report (science/routes.ts)
  api.route('/', scienceApi(deps));

  // Unmatched API paths answer here, in JSON, rather than fall through to the HTML console.
  api.all('*', (c) => c.json({ error: 'not found' }, 404));

  return api;
}
