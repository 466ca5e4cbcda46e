/**
 * The admin console: server-rendered HTML (hono/html escapes every interpolation), plain forms,
 * no script. A session cookie (see auth.ts) authenticates it; hono's csrf() refuses form posts
 * from another origin, on top of SameSite=Strict.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { csrf } from 'hono/csrf';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { EdsegError } from '../../core/errors.js';
import { RefinementPublishInput, check } from '../../core/schema.js';
import type {
  AuditRecord,
  CatalogSegment,
  Estimate,
  RefinementProposal,
  SegmentRefinement,
  SiteEstimates,
  SiteSummary,
  SiteView,
} from '../../core/schema.js';
import type { ServerDeps } from '../deps.js';
import { loadEstimates } from '../estimates.js';
import { publishSite, updatePolicy } from '../publish.js';
import { loadRefinement, loadSiteView, publishRefinement, refineOptionsOf, refineParamsOf } from './api.js';
import { actorName, endSession, sessionActor, startSession, tokenMatches } from './auth.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
/** The message a redirect carries back to a page (?ok= or ?error=). */
type Flash = { ok?: string; error?: string };

const STYLE = `
  :root { --ink:#1d2433; --muted:#5b6476; --line:#dde2ea; --bg:#f6f7fa; --accent:#2f5bd3; --warn:#9a3b00; --ok:#1d7a46; }
  * { box-sizing: border-box; }
  body { margin:0; font: 15px/1.5 system-ui, sans-serif; color:var(--ink); background:var(--bg); }
  header { background:#fff; border-bottom:1px solid var(--line); padding:.7rem 1.5rem; display:flex; gap:1.5rem; align-items:center; }
  header strong { font-size:1.05rem; } header nav { display:flex; gap:1rem; flex:1; } header form { margin:0; }
  main { max-width:1100px; margin:0 auto; padding:1.5rem; }
  a { color:var(--accent); } h1 { font-size:1.4rem; margin:.2rem 0 1rem; } h2 { font-size:1.15rem; margin:2rem 0 .6rem; } h3 { font-size:1rem; margin:1.2rem 0 .4rem; }
  table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); margin:.4rem 0 1rem; }
  th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
  th { background:#fafbfc; font-weight:600; font-size:.85rem; color:var(--muted); }
  .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1rem 1.2rem; margin:.8rem 0; }
  .muted { color:var(--muted); } .small { font-size:.85rem; }
  .tag { display:inline-block; padding:0 .45rem; border-radius:3px; font-size:.78rem; background:#eef1f6; margin-right:.3rem; }
  .tag.edu { background:#fff1e6; color:var(--warn); } .tag.no { background:#fbeaea; color:#8a1c1c; } .tag.yes { background:#e7f5ec; color:var(--ok); }
  .flash { padding:.6rem 1rem; border-radius:4px; margin:0 0 1rem; background:#e7f5ec; } .flash.error { background:#fbeaea; }
  button, input[type=submit] { font:inherit; padding:.4rem .9rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
  button.ghost { background:#fff; color:var(--accent); }
  input[type=text], input[type=password] { font:inherit; padding:.4rem .6rem; border:1px solid var(--line); border-radius:4px; width:100%; }
  .bar { background:#eef1f6; height:.7rem; border-radius:2px; min-width:120px; position:relative; }
  .bar span { position:absolute; top:0; bottom:0; background:var(--accent); opacity:.75; border-radius:2px; }
  .bar i { position:absolute; top:-.15rem; bottom:-.15rem; border-left:2px solid var(--ink); border-right:2px solid var(--ink); }
  code { font-size:.85rem; background:#eef1f6; padding:0 .25rem; border-radius:3px; } ul { margin:.2rem 0; padding-left:1.2rem; }
  .grid { display:grid; grid-template-columns: 1fr 1fr; gap:1rem; } @media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }
`;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function layout(title: string, body: Html, actor: string | null): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · edseg admin</title>
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <strong>edseg admin</strong>
          ${
            actor
              ? html`<nav><a href="/admin">Sites</a><a href="/admin/audit">Audit log</a></nav>
                  <span class="muted small">${actor}</span>
                  <form method="post" action="/admin/logout">
                    <button class="ghost" type="submit">Log out</button>
                  </form>`
              : ''
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const num = (x: number): string => x.toFixed(3);

function loginPage(error: string | null): Html {
  return html`<h1>Log in</h1>
    ${error ? html`<p class="flash error">${error}</p>` : ''}
    <form method="post" action="/admin/login" class="card" style="max-width:420px">
      <p>
        <label
          >Your name (for the audit log)<br /><input
            type="text"
            name="name"
            autocomplete="name"
            maxlength="64"
        /></label>
      </p>
      <p>
        <label
          >Admin token<br /><input type="password" name="token" autocomplete="current-password" required
        /></label>
      </p>
      <p class="small muted">
        The token was printed when the server first started, and is in the data folder's
        <code>admin-token</code> file (or EDSEG_ADMIN_TOKEN).
      </p>
      <button type="submit">Log in</button>
    </form>`;
}

function sitesPage(sites: SiteSummary[]): Html {
  return html`<h1>Sites</h1>
    <table>
      <tr>
        <th>Site</th>
        <th>Name</th>
        <th>Published version</th>
        <th>Published at</th>
        <th></th>
      </tr>
      ${sites.map(
        (s) =>
          html`<tr>
            <td>
              <a href="/admin/sites/${s.id}"><code>${s.id}</code></a>
            </td>
            <td>${s.name}</td>
            <td>${s.currentVersion ?? html`<span class="muted">none</span>`}</td>
            <td class="small">${s.publishedAt ?? ''}</td>
            <td>
              <a href="/admin/sites/${s.id}/estimates">Estimates</a> ·
              <a href="/admin/sites/${s.id}/refinement">Refine</a>
            </td>
          </tr>`,
      )}
    </table>`;
}

const isCommercial = (s: CatalogSegment): boolean => s.purpose === 'marketing' || s.purpose === 'advertising';

function segmentCard(s: CatalogSegment): Html {
  const commercial = isCommercial(s);
  return html`<div class="card" id="seg-${s.id}">
    <h3>${s.name} <code>${s.id}</code></h3>
    <p>
      <span class="tag">model ${s.model} (${s.modelKind})</span><span class="tag">purpose: ${s.purpose}</span
      ><span class="tag">min age band: ${s.minAgeBand}</span>
      ${s.usesEducationRecord ? html`<span class="tag edu">uses education records: ${s.educationRecordFeatures.join(', ')}</span>` : html`<span class="tag">no education records</span>`}
      ${s.allowed ? html`<span class="tag yes">site may receive</span>` : html`<span class="tag no">site may not receive</span>`}
      ${s.clear ? html`<span class="tag">reportable in clear</span>` : ''}
    </p>
    ${s.usesEducationRecord && commercial ? html`<p class="flash error small">FERPA: this segment reads an education record and its purpose is ${s.purpose}; the SDK never releases it (rule ferpa-education-record), whatever the policy.</p>` : ''}
    <div class="grid">
      <div>
        <strong class="small">Criteria</strong>
        <p>${s.documentation.criteria}</p>
        <strong class="small">Data sources</strong>
        <ul>
          ${s.documentation.dataSources.map((d) => html`<li class="small">${d}</li>`)}
        </ul>
      </div>
      <div>
        <strong class="small">Validation</strong>
        <p class="small">${s.documentation.validation}</p>
        <strong class="small">Changelog</strong>
        <ul>
          ${s.documentation.changelog.map((e) => html`<li class="small">v${e.version} (${e.date}): ${e.change}</li>`)}
        </ul>
      </div>
    </div>
  </div>`;
}

function sitePage(v: SiteView, flash: Flash): Html {
  const id = v.site.id;
  return html`<h1>${v.site.name} <code>${id}</code></h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <div class="grid">
      <div class="card">
        ${
          v.current
            ? html`<p>
                <strong>Published: version ${v.current.version}</strong> by ${v.current.publishedBy},
                ${v.current.publishedAt}<br />
                <span class="small muted"
                  >valid until ${v.current.expiresAt}, signed with key <code>${v.current.kid}</code></span
                >
              </p>`
            : html`<p>Not published yet.</p>`
        }
        <p class="small">Origins: ${v.site.origins.map((o) => html`<code>${o}</code> `)}</p>
        <p class="small">
          Reports: ${v.reports.currentVersion} for the published version, ${v.reports.total} in all.
          <a href="/admin/sites/${id}/estimates">Estimates dashboard</a> ·
          <a href="/admin/sites/${id}/refinement">Refine centroids</a> ·
          <a href="/admin/audit?site=${id}">Audit log</a> ·
          <a href="/v1/sites/${id}/manifest">Signed manifest</a>
        </p>
      </div>
      <div class="card">
        <form method="post" action="/admin/sites/${id}/publish">
          <strong>Publish</strong>
          <p class="small">
            ${v.pending.length ? html`Pending changes: ${v.pending.join('; ')}` : 'No pending changes: publishing re-signs with a new expiry.'}
          </p>
          <p>
            <input type="text" name="note" maxlength="500" placeholder="Note for the audit log (optional)" />
          </p>
          <button type="submit">Publish version ${(v.current?.version ?? 0) + 1}</button>
        </form>
      </div>
    </div>

    <h2>Policy for this site</h2>
    <form method="post" action="/admin/sites/${id}/policy">
      <table>
        <tr>
          <th>Segment</th>
          <th>Model</th>
          <th>Purpose</th>
          <th>Education record</th>
          <th>Site may receive</th>
          <th>Report in clear</th>
        </tr>
        ${v.segments.map(
          // One line per checkbox, so the form's HTML reads name="allowed" value="…" (the console tests grep it).
          // prettier-ignore
          (s) =>
            html`<tr>
              <td><a href="#seg-${s.id}">${s.name}</a> <code>${s.id}</code></td>
              <td>${s.model}</td>
              <td>${s.purpose}</td>
              <td>
                ${s.usesEducationRecord ? html`<span class="tag edu">yes</span>${isCommercial(s) ? html`<span class="tag no">never released (FERPA)</span>` : ''}` : 'no'}
              </td>
              <td>
                <input type="checkbox" name="allowed" value="${s.id}" aria-label="allow ${s.id}" ${s.allowed ? 'checked' : ''} />
              </td>
              <td>
                <input type="checkbox" name="clear" value="${s.id}" aria-label="clear ${s.id}" ${s.clear ? 'checked' : ''} />
              </td>
            </tr>`,
        )}
      </table>
      <p class="small muted">
        Saving changes the working policy; it reaches learners' devices at the next publish. "Report in clear"
        needs "may receive".
      </p>
      <button type="submit">Save policy</button>
    </form>

    <h2>Segments and their documentation</h2>
    ${v.segments.map(segmentCard)}

    <h2>Versions</h2>
    <table>
      <tr>
        <th>Version</th>
        <th>Published at</th>
        <th>By</th>
        <th>Key</th>
      </tr>
      ${v.versions.map(
        (x) =>
          html`<tr>
            <td>${x.version}</td>
            <td class="small">${x.publishedAt}</td>
            <td>${x.publishedBy}</td>
            <td><code>${x.kid}</code></td>
          </tr>`,
      )}
    </table>`;
}

function shareCell(e: Estimate | null, suppressed: boolean, k: number): Html {
  if (suppressed || !e)
    return html`<span class="tag no">suppressed</span>
      <span class="small muted">fewer than ${k} reports</span>`;
  const clamp = (x: number) => Math.min(100, Math.max(0, 100 * x));
  return html`<div>
      ${pct(e.value)} <span class="small muted">95% CI ${pct(e.lo)} – ${pct(e.hi)} (se ${pct(e.se)})</span>
    </div>
    <div class="bar" title="${pct(e.value)}">
      <span style="width:${clamp(e.value).toFixed(1)}%"></span
      ><i style="left:${clamp(e.lo).toFixed(1)}%;width:${(clamp(e.hi) - clamp(e.lo)).toFixed(1)}%"></i>
    </div>`;
}

function estimatesPage(id: string, est: SiteEstimates, versions: number[]): Html {
  return html`<h1>Estimates · <code>${id}</code> v${est.manifestVersion}</h1>
    <form method="get" class="small">
      Version:
      ${versions.map((n) => html`<a href="?version=${n}">${n === est.manifestVersion ? html`<strong>${n}</strong>` : n}</a> `)}
    </form>
    <p class="small muted">
      ${est.reports} reports for this version; cells backed by fewer than ${est.kThreshold} reports are
      suppressed. Generated ${est.generatedAt}. LDP estimates are debiased; intervals are 95%.
    </p>
    ${est.models.map(
      (m) =>
        html`<h2>${m.model} <span class="tag">${m.purpose}</span></h2>
          <p class="small muted">
            ${m.n.clear} reports in clear, ${m.n.ldp} through local differential privacy.
          </p>
          <table>
            <tr>
              <th>Segment</th>
              <th style="width:45%">Share</th>
              <th>Support</th>
              <th>Feature means (normalised, [-1, 1])</th>
            </tr>
            ${m.segments.map(
              (s) =>
                html`<tr>
                  <td>${s.name} <code>${s.id}</code></td>
                  <td>${shareCell(s.share, s.suppressed, est.kThreshold)}</td>
                  <td>${s.suppressed ? '—' : s.support.toFixed(1)}</td>
                  <td class="small">
                    ${
                      s.featureMeans.some((f) => f.estimate)
                        ? html`<ul>
                            ${s.featureMeans.map((f) => html`<li>${f.feature}: ${f.estimate ? html`${num(f.estimate.value)} <span class="muted">[${num(f.estimate.lo)}, ${num(f.estimate.hi)}]</span>` : '—'}</li>`)}
                          </ul>`
                        : html`<span class="muted">suppressed</span>`
                    }
                  </td>
                </tr>`,
            )}
          </table>`,
    )}
    <h2>Population feature means</h2>
    <table>
      <tr>
        <th>Feature</th>
        <th>Reports</th>
        <th>Mean (normalised)</th>
      </tr>
      ${est.features.map(
        (f) =>
          html`<tr>
            <td><code>${f.feature}</code></td>
            <td>${f.n}</td>
            <td>
              ${f.suppressed || !f.estimate ? html`<span class="tag no">suppressed</span>` : html`${num(f.estimate.value)} <span class="small muted">95% CI [${num(f.estimate.lo)}, ${num(f.estimate.hi)}]</span>`}
            </td>
          </tr>`,
      )}
    </table>`;
}

const vec = (xs: readonly number[]): string => `[${xs.map((x) => x.toFixed(3)).join(', ')}]`;

function refinementRow(s: SegmentRefinement, k: number): Html {
  return html`<tr>
    <td>${s.name} <code>${s.id}</code></td>
    <td>${shareCell(s.share, s.share === null, k)}</td>
    <td>${s.share === null ? '—' : s.support.toFixed(1)}</td>
    <td><code>${vec(s.old)}</code></td>
    <td>
      ${
        s.skipped
          ? html`<span class="muted">unchanged</span>`
          : html`<code>${vec(s.proposed)}</code
              >${s.damped && s.target ? html`<br /><span class="small muted">target <code>${vec(s.target)}</code></span>` : ''}
              <br /><span class="small muted"
                >means ± ${num(Math.max(...s.means.map((m) => (m ? m.hi - m.value : 0))))} at most (95%)</span
              >`
      }
    </td>
    <td>
      ${s.skipped ? '—' : html`${num(s.movement)}${s.damped ? html` <span class="tag">damped</span>` : ''}`}
    </td>
    <td class="small">
      ${s.skipped ? html`<span class="tag no">${s.skipped.reason}</span> ${s.skipped.detail}` : ''}
    </td>
  </tr>`;
}

function refinementPage(id: string, p: RefinementProposal, flash: Flash): Html {
  const k = p.manifest.reporting.kThreshold;
  return html`<h1>Refine centroids · <code>${id}</code> v${p.baseVersion}</h1>
    ${flash.ok ? html`<p class="flash">${flash.ok}</p>` : ''}${flash.error ? html`<p class="flash error">${flash.error}</p>` : ''}
    <p class="small muted">
      One damped Lloyd step from the ${p.reports} reports of version ${p.baseVersion} (estimated
      ${p.generatedAt}): each centroid moves towards its segment's estimated mean feature vector (normalised,
      [-1, 1]), by at most ${p.maxStep} (L2). Segments that are suppressed, backed by fewer than
      ${p.minSupport} reports, or without feature means keep their centroid. The means are noisy: read the
      intervals, and treat this as a proposal to review, not a retrain.
    </p>
    <form method="get" class="small">
      Max step <input type="text" name="maxStep" value="${p.maxStep}" size="5" style="width:6rem" /> Min
      support <input type="text" name="minSupport" value="${p.minSupport}" size="5" style="width:6rem" />
      <button class="ghost" type="submit">Recompute</button>
    </form>
    ${p.models.map((m) =>
      m.refinable
        ? html`<h2>
              ${m.model} <span class="tag">${m.purpose}</span
              ><span class="tag">centroids</span
              >${m.changed ? '' : html`<span class="tag no">nothing to refine</span>`}
            </h2>
            <p class="small muted">
              ${m.reports.total} reports (${m.reports.clear} in clear, ${m.reports.ldp} through local
              differential privacy). Features: ${m.features.map((f) => html`<code>${f}</code> `)}
            </p>
            <table>
              <tr>
                <th>Segment</th>
                <th style="width:26%">Share</th>
                <th>Reports</th>
                <th>Old centroid</th>
                <th>Proposed centroid</th>
                <th>Movement</th>
                <th>Skipped</th>
              </tr>
              ${m.segments.map((s) => refinementRow(s, k))}
            </table>`
        : html`<h2>${m.model} <span class="tag">${m.purpose}</span><span class="tag">softmax</span></h2>
            <p class="small muted">Not refinable by this method: ${m.reason}.</p>`,
    )}
    <h2>Publish</h2>
    ${
      p.changedModels.length === 0
        ? html`<p class="card">Nothing to refine: every segment is skipped or already at its target.</p>`
        : html`<form method="post" action="/admin/sites/${id}/refinement/publish" class="card">
            <input type="hidden" name="version" value="${p.baseVersion}" /><input
              type="hidden"
              name="maxStep"
              value="${p.maxStep}"
            /><input type="hidden" name="minSupport" value="${p.minSupport}" />
            <p>
              ${p.changedModels.map((m) => html`<label><input type="checkbox" name="models" value="${m}" checked /> ${m}</label> `)}
            </p>
            <p class="small muted">
              Publishes version ${p.version}: the ticked models' proposed centroids (recomputed from the
              reports stored at that moment), signed, with a changelog entry on each moved segment and an
              audit entry. Pending edits to the site stay pending.
            </p>
            <p>
              <input
                type="text"
                name="note"
                maxlength="500"
                placeholder="Note for the audit log (optional)"
              />
            </p>
            <button type="submit">Publish refined centroids</button>
          </form>`
    }`;
}

function auditPage(entries: AuditRecord[], site: string | undefined): Html {
  return html`<h1>Audit log${site ? html` · <code>${site}</code>` : ''}</h1>
    <table>
      <tr>
        <th>#</th>
        <th>When</th>
        <th>Who</th>
        <th>What</th>
        <th>Site</th>
        <th>Version</th>
        <th>Summary</th>
      </tr>
      ${entries.map(
        (e) =>
          html`<tr>
            <td>${e.id}</td>
            <td class="small">${e.at}</td>
            <td>${e.actor}</td>
            <td><code>${e.action}</code></td>
            <td>${e.site ? html`<a href="/admin/sites/${e.site}">${e.site}</a>` : ''}</td>
            <td>${e.version ?? ''}</td>
            <td class="small">
              ${e.summary}${typeof e.detail['note'] === 'string' ? html`<br /><span class="muted">note: ${e.detail['note']}</span>` : ''}
            </td>
          </tr>`,
      )}
    </table>`;
}

/** Runs a form's action; a refusal (EdsegError) goes back to the page with its message, anything else is a 500 through onError. */
async function orBack(
  back: (message: string) => Response,
  action: () => Promise<Response>,
): Promise<Response> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof EdsegError) return back(e.message);
    throw e;
  }
}

/** The /admin HTML routes (login, sites, a site, estimates, refinement, audit). */
export function adminPages(deps: ServerDeps): Hono<{ Variables: { actor: string } }> {
  const app = new Hono<{ Variables: { actor: string } }>();
  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });
  app.use('*', csrf());

  const page = (c: Context, title: string, body: Html, actor: string | null, status: 200 | 401 | 404 = 200) =>
    c.html(layout(title, body, actor), status);
  const notFound = (c: Context, heading: string) =>
    page(c, 'Not found', html`<h1>${heading}</h1>`, c.get('actor'), 404);
  const flashOf = (c: Context): Flash => ({ ok: c.req.query('ok'), error: c.req.query('error') });

  app.get('/login', (c) => page(c, 'Log in', loginPage(null), null));
  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form['token'] === 'string' ? form['token'] : undefined;
    if (!tokenMatches(token, deps.adminToken))
      return page(c, 'Log in', loginPage('That token is not the admin token.'), null, 401);
    const name = actorName(typeof form['name'] === 'string' ? form['name'] : undefined, 'admin');
    await startSession(c, deps.adminToken, name, deps.now());
    return c.redirect('/admin', 303);
  });
  app.post('/logout', (c) => {
    endSession(c);
    return c.redirect('/admin/login', 303);
  });

  app.use('*', async (c, next) => {
    const actor = await sessionActor(c, deps.adminToken, deps.now());
    if (!actor) return c.req.method === 'GET' ? c.redirect('/admin/login', 303) : c.text('log in first', 401);
    c.set('actor', actor);
    await next();
  });

  app.get('/', async (c) => page(c, 'Sites', sitesPage(await deps.store.listSites()), c.get('actor')));

  app.get('/sites/:site', async (c) => {
    const view = await loadSiteView(deps, c.req.param('site'));
    if (!view) return notFound(c, 'No such site');
    return page(c, view.site.name, sitePage(view, flashOf(c)), c.get('actor'));
  });

  const back = (c: Context, site: string, kind: 'ok' | 'error', message: string) =>
    c.redirect(`/admin/sites/${encodeURIComponent(site)}?${kind}=${encodeURIComponent(message)}`, 303);

  app.post('/sites/:site/policy', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody({ all: true });
    const list = (v: unknown) =>
      (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    return orBack(
      (message) => back(c, site, 'error', message),
      async () => {
        const { changes } = await updatePolicy(
          deps.store,
          site,
          { allowed: list(form['allowed']), clear: list(form['clear']) },
          { actor: c.get('actor'), now: deps.now() },
        );
        return back(
          c,
          site,
          'ok',
          changes.length
            ? `Policy saved (${changes.join('; ')}). Publish to make it live.`
            : 'Policy unchanged.',
        );
      },
    );
  });

  app.post('/sites/:site/publish', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody();
    const note =
      typeof form['note'] === 'string' && form['note'].trim() ? form['note'].trim().slice(0, 500) : undefined;
    return orBack(
      (message) => back(c, site, 'error', message),
      async () => {
        const v = await publishSite(deps.store, deps.signer, site, {
          actor: c.get('actor'),
          now: deps.now(),
          ...(note ? { note } : {}),
        });
        return back(c, site, 'ok', `Published version ${v.version}: ${v.changes.join('; ')}`);
      },
    );
  });

  app.get('/sites/:site/estimates', async (c) => {
    const site = c.req.param('site');
    const q = c.req.query('version');
    const wanted = q === undefined ? undefined : Number(q);
    const missing = () => notFound(c, 'No such site or version');
    if (wanted !== undefined && !Number.isInteger(wanted)) return missing();
    let est: SiteEstimates;
    try {
      est = await loadEstimates(deps, site, wanted);
    } catch (e) {
      if (e instanceof EdsegError && e.code === 'not-found') return missing();
      throw e;
    }
    const versions = (await deps.store.listVersions(site)).map((v) => v.version);
    return page(c, `Estimates ${site}`, estimatesPage(site, est, versions), c.get('actor'));
  });

  app.get('/sites/:site/refinement', async (c) => {
    const site = c.req.param('site');
    // Options that fail the schema fall back to the defaults, said in the flash; the reports are read once either way.
    const opts = refineOptionsOf((n) => c.req.query(n));
    const flash = opts.ok ? flashOf(c) : { error: `${opts.message} (showing the defaults)` };
    const proposal = await loadRefinement(deps, site, opts.ok ? opts.value : {});
    if (!proposal) return notFound(c, 'No such site, or nothing published');
    return page(c, `Refine ${site}`, refinementPage(site, proposal, flash), c.get('actor'));
  });

  app.post('/sites/:site/refinement/publish', async (c) => {
    const site = c.req.param('site');
    const form = await c.req.parseBody({ all: true });
    const field = (name: string) =>
      typeof form[name] === 'string' && form[name] !== '' ? form[name] : undefined;
    const models = [form['models'] ?? []].flat().filter((x): x is string => typeof x === 'string');
    const toRefinement = (message: string) =>
      c.redirect(
        `/admin/sites/${encodeURIComponent(site)}/refinement?error=${encodeURIComponent(message)}`,
        303,
      );
    if (models.length === 0) return toRefinement('Tick at least one model to publish.');
    const version = field('version');
    const note = field('note')?.trim();
    const input = check(RefinementPublishInput, {
      models,
      ...refineParamsOf(field),
      ...(version !== undefined ? { version: Number(version) } : {}),
      ...(note ? { note: note.slice(0, 500) } : {}),
    });
    if (!input.ok) return toRefinement(input.message);
    return orBack(toRefinement, async () => {
      const out = await publishRefinement(deps, site, input.value, c.get('actor'));
      if (!out.ok) return toRefinement(out.error);
      return back(c, site, 'ok', `Published version ${out.published.version}: ${out.published.summary}.`);
    });
  });

  app.get('/audit', async (c) => {
    const site = c.req.query('site') || undefined;
    return page(
      c,
      'Audit log',
      auditPage(await deps.store.listAudit({ ...(site ? { site } : {}), limit: 500 }), site),
      c.get('actor'),
    );
  });

  return app;
}
