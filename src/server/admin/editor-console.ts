/**
 * The console's editors of a site's working copy (features, models with their segments, a segment's
 * documentation card) and its "Review and publish" page. Plain forms, no script. A refused save
 * answers 400 with the form as typed and each message beside the field it names; nothing typed is
 * lost. Mounted by pages.ts behind the session check.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { html } from 'hono/html';
import { EditRefused } from '../../core/edit.js';
import type { EditIssue, WorkingEdit } from '../../core/edit.js';
import { refusalOf } from '../http/refusal.js';
import type { FeatureSpec, Model, SiteRecord } from '../../core/schema.js';
import type { ServerDeps } from '../runtime/deps.js';
import { editWorkingCopy, loadWorkingDiff } from '../sites/editor.js';
import { actorOf } from './auth.js';
import type { FieldErrors, Values } from './views/editor-fields.js';
import { documentationPage, featurePage, modelPage } from './views/editor-pages.js';
import type { Html } from './views/layout.js';
import { reviewPage } from './views/review.js';

/** The console's page frame (pages.ts): a title, a body and a status. */
export type PageOf = (
  c: Context,
  title: string,
  body: Html,
  status?: 200 | 400 | 404,
) => Response | Promise<Response>;
type Form = Record<string, string | File | (string | File)[]>;

/** The form's text fields (the first value of each). */
function valuesOf(form: Form): Values {
  return Object.fromEntries(
    Object.entries(form).flatMap(([k, v]) => {
      const x = Array.isArray(v) ? v[0] : v;
      return typeof x === 'string' ? [[k, x]] : [];
    }),
  );
}

const get = (v: Values, name: string) => (v[name] ?? '').trim();
/** Absent when blank; the schema then says what is missing. */
const optional = (s: string) => (s === '' ? undefined : s);
/** A number, absent when blank, NaN when not a number (the schema names the field). */
const numberOf = (s: string) => (s === '' ? undefined : Number(s));
const listOf = (s: string) => s.split(/[\s,]+/).filter(Boolean);
const numbersOf = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(Number);
const shown = (xs: readonly unknown[]) => xs.join(', ');

/** A feature form as a FeatureSpec to check (not yet checked). */
function featureOf(v: Values): Record<string, unknown> {
  const kind = get(v, 'normalisation.kind');
  const values = optional(get(v, 'values'));
  return {
    kind: get(v, 'kind'),
    events: listOf(get(v, 'events')),
    prop: optional(get(v, 'prop')),
    denominator: optional(get(v, 'denominator')) && listOf(get(v, 'denominator')),
    key: optional(get(v, 'key')),
    values:
      values &&
      Object.fromEntries(
        values
          .split(/[,\n]+/)
          .map((pair) => pair.split('='))
          .map(([k, x]) => [(k ?? '').trim(), x === undefined ? Number.NaN : Number(x)]),
      ),
    default: numberOf(get(v, 'default')),
    windowDays: numberOf(get(v, 'windowDays')),
    transform: get(v, 'transform'),
    clip: [numberOf(get(v, 'clip.0')), numberOf(get(v, 'clip.1'))],
    normalisation:
      kind === 'zscore'
        ? {
            kind,
            mean: numberOf(get(v, 'normalisation.mean')),
            sd: numberOf(get(v, 'normalisation.sd')),
            scale: numberOf(get(v, 'normalisation.scale')),
          }
        : { kind },
    educationRecord: v['educationRecord'] === 'on',
    description: optional(get(v, 'description')),
  };
}

/** A stored feature as the form shows it. */
function featureValues(f: FeatureSpec): Values {
  const n = f.normalisation;
  return {
    name: f.name,
    kind: f.kind,
    events: shown(f.events),
    prop: f.prop ?? '',
    denominator: shown(f.denominator ?? []),
    key: f.key ?? '',
    values: Object.entries(f.values ?? {})
      .map(([k, x]) => `${k}=${x}`)
      .join(', '),
    default: f.default === undefined ? '' : String(f.default),
    windowDays: String(f.windowDays),
    transform: f.transform,
    'clip.0': String(f.clip[0]),
    'clip.1': String(f.clip[1]),
    'normalisation.kind': n.kind,
    'normalisation.mean': n.kind === 'zscore' ? String(n.mean) : '',
    'normalisation.sd': n.kind === 'zscore' ? String(n.sd) : '',
    'normalisation.scale': n.kind === 'zscore' && n.scale !== undefined ? String(n.scale) : '',
    educationRecord: f.educationRecord ? 'on' : '',
    description: f.description ?? '',
  };
}
const NEW_FEATURE: Values = {
  kind: 'count',
  windowDays: '14',
  transform: 'none',
  'clip.0': '0',
  'clip.1': '10',
  'normalisation.kind': 'minmax',
};

/** How many segment rows a model form has (the stored or typed ones). */
function rowsOf(v: Values): number {
  let n = 0;
  while (`segments.${n}.id` in v) n++;
  return n;
}

/**
 * A model form as a Model to check, with the form row of each segment (rows ticked "remove" or left
 * blank are dropped). A segment keeps the documentation of the one its row was (`segments.N.was`);
 * a new one starts with its model's features as data sources, to be documented.
 */
function modelOf(v: Values, stored: Model | undefined): { model: Record<string, unknown>; rowOf: number[] } {
  const rowOf: number[] = [];
  for (let i = 0; i < rowsOf(v); i++) {
    const p = `segments.${i}`;
    const blank = !get(v, `${p}.id`) && !get(v, `${p}.name`) && !get(v, `${p}.centroid`);
    if (v[`${p}.remove`] !== 'on' && !blank) rowOf.push(i);
  }
  const features = listOf(get(v, 'features'));
  const segments = rowOf.map((i) => {
    const p = `segments.${i}`;
    // The row's segment as stored: the one it was (its id may have been edited), else the one of its id.
    const was = stored?.segments.find((s) => s.id === (get(v, `${p}.was`) || get(v, `${p}.id`)));
    return {
      id: get(v, `${p}.id`),
      name: get(v, `${p}.name`),
      minAgeBand: get(v, `${p}.minAgeBand`),
      documentation: was?.documentation ?? {
        dataSources: features,
        criteria: '',
        validation: 'Not yet validated.',
        changelog: [],
      },
    };
  });
  const kind = get(v, 'kind');
  const params =
    kind === 'softmax'
      ? {
          weights: get(v, 'weights')
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .map(numbersOf),
          bias: numbersOf(get(v, 'bias')),
        }
      : { centroids: rowOf.map((i) => numbersOf(get(v, `segments.${i}.centroid`))) };
  return {
    model: {
      kind,
      purpose: get(v, 'purpose'),
      features,
      segments,
      description: optional(get(v, 'description')),
      ...params,
    },
    rowOf,
  };
}

/** A stored model as the form shows it, with one blank row to add a segment. */
function modelValues(m: Model | null): Values {
  const v: Values = m
    ? {
        id: m.id,
        kind: m.kind,
        purpose: m.purpose,
        features: shown(m.features),
        description: m.description ?? '',
        ...(m.kind === 'softmax' ? { weights: m.weights.map(shown).join('\n'), bias: shown(m.bias) } : {}),
      }
    : { kind: 'centroids', purpose: 'instruction' };
  const segments = m?.segments ?? [];
  segments.forEach((s, i) => {
    v[`segments.${i}.id`] = s.id;
    v[`segments.${i}.was`] = s.id;
    v[`segments.${i}.name`] = s.name;
    v[`segments.${i}.minAgeBand`] = s.minAgeBand;
    v[`segments.${i}.centroid`] = m?.kind === 'centroids' ? shown(m.centroids[i] ?? []) : '';
  });
  const n = segments.length;
  Object.assign(v, {
    [`segments.${n}.id`]: '',
    [`segments.${n}.name`]: '',
    [`segments.${n}.minAgeBand`]: 'under13',
  });
  return v;
}

/** Issues in a form's terms: the edit's root taken off, then `rename` (null keeps the path). */
function errorsOf(
  issues: readonly EditIssue[],
  root: string,
  rename: (path: string[]) => string | null = () => null,
): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const path = i.field.startsWith(`${root}.`)
      ? i.field.slice(root.length + 1)
      : i.field === root
        ? '(form)'
        : i.field;
    const key = rename(path.split('.')) ?? path;
    (out[key] ??= []).push(i.message);
  }
  return out;
}

/** Model issues on the rows they came from: centroids.K and segments.K.* are row rowOf[K]'s. */
const modelRename =
  (rowOf: readonly number[]) =>
  ([head, k, ...rest]: string[]): string | null => {
    const row = rowOf[Number(k)];
    if (head === 'centroids' && row !== undefined) return `segments.${row}.centroid`;
    if (head === 'segments' && row !== undefined) return ['segments', row, ...rest].join('.');
    return null;
  };

/** The editor routes under /admin. */
export function editorPages(deps: ServerDeps, page: PageOf): Hono {
  const app = new Hono();
  const missing = (c: Context, what: string) => page(c, 'Not found', html`<h1>No such ${what}</h1>`, 404);
  const siteOf = (c: Context): Promise<SiteRecord | null> => deps.store.getSite(c.req.param('site')!);
  const toSite = (c: Context, kind: 'ok' | 'error', message: string, anchor = '') =>
    c.redirect(
      `/admin/sites/${encodeURIComponent(c.req.param('site')!)}?${kind}=${encodeURIComponent(message)}${anchor}`,
      303,
    );

  /**
   * Saves one edit; a refusal re-renders the form (400) through `refused`, an unknown item is a
   * 404, a success goes back to the site page with what changed.
   */
  async function save(
    c: Context,
    edit: WorkingEdit,
    done: string,
    refused: (issues: EditIssue[]) => Response | Promise<Response>,
  ): Promise<Response> {
    try {
      const out = await editWorkingCopy(deps.store, c.req.param('site')!, edit, {
        actor: actorOf(c),
        now: deps.now(),
      });
      const said = [out.changes.length ? out.changes.join('; ') : 'no change', ...out.notes].join('. ');
      return toSite(c, 'ok', `${done} (${said}). Review and publish to make it live.`);
    } catch (e) {
      const refusal = refusalOf(e);
      if (refusal?.status === 404) return missing(c, refusal.field ?? 'item');
      if (e instanceof EditRefused) return refused(e.issues);
      throw e;
    }
  }

  // Features.
  const featureForm = (c: Context, name: string | null, v: Values, e: FieldErrors, status: 200 | 400 = 200) =>
    page(c, name ? `Feature ${name}` : 'New feature', featurePage(c.req.param('site')!, name, v, e), status);
  const featureErrors = (issues: EditIssue[]) =>
    errorsOf(issues, 'feature', ([head]) =>
      head === 'values' || head === 'events' || head === 'denominator' ? head! : null,
    );

  app.get('/sites/:site/new-feature', async (c) =>
    (await siteOf(c)) ? featureForm(c, null, NEW_FEATURE, {}) : missing(c, 'site'),
  );
  app.post('/sites/:site/new-feature', async (c) => {
    const site = await siteOf(c);
    if (!site) return missing(c, 'site');
    const v = valuesOf(await c.req.parseBody());
    const name = get(v, 'name');
    const refused = (e: FieldErrors) => featureForm(c, null, v, e, 400);
    if (site.definition.features.some((f) => f.name === name))
      return refused({ name: [`a feature "${name}" exists already: edit it instead`] });
    return save(c, { kind: 'put-feature', name, spec: featureOf(v) }, `Feature ${name} added`, (issues) =>
      refused(featureErrors(issues)),
    );
  });
  app.get('/sites/:site/features/:name', async (c) => {
    const f = (await siteOf(c))?.definition.features.find((x) => x.name === c.req.param('name'));
    return f ? featureForm(c, f.name, featureValues(f), {}) : missing(c, 'site or feature');
  });
  app.post('/sites/:site/features/:name', async (c) => {
    const name = c.req.param('name');
    const v = { ...valuesOf(await c.req.parseBody()), name };
    return save(c, { kind: 'put-feature', name, spec: featureOf(v) }, `Feature ${name} saved`, (issues) =>
      featureForm(c, name, v, featureErrors(issues), 400),
    );
  });
  app.post('/sites/:site/features/:name/delete', async (c) => {
    const name = c.req.param('name');
    return save(c, { kind: 'delete-feature', name }, `Feature ${name} deleted`, (issues) =>
      toSite(c, 'error', `Feature ${name} not deleted: ${issues.map((i) => i.message).join('; ')}`),
    );
  });

  // Models and their segments.
  const modelForm = (c: Context, id: string | null, v: Values, e: FieldErrors, status: 200 | 400 = 200) =>
    page(c, id ? `Model ${id}` : 'New model', modelPage(c.req.param('site')!, id, rowsOf(v), v, e), status);
  /** The typed form again, with a blank row to add a segment if it has none. */
  const withBlankRow = (v: Values): Values => {
    const n = rowsOf(v);
    const last = n - 1;
    return n > 0 && !get(v, `segments.${last}.id`)
      ? v
      : { ...v, [`segments.${n}.id`]: '', [`segments.${n}.minAgeBand`]: 'under13' };
  };

  app.get('/sites/:site/new-model', async (c) =>
    (await siteOf(c)) ? modelForm(c, null, modelValues(null), {}) : missing(c, 'site'),
  );
  app.post('/sites/:site/new-model', async (c) => {
    const site = await siteOf(c);
    if (!site) return missing(c, 'site');
    const v = valuesOf(await c.req.parseBody());
    const id = get(v, 'id');
    if (site.definition.models.some((m) => m.id === id))
      return modelForm(
        c,
        null,
        withBlankRow(v),
        { id: [`a model "${id}" exists already: edit it instead`] },
        400,
      );
    const { model, rowOf } = modelOf(v, undefined);
    return save(c, { kind: 'put-model', id, model }, `Model ${id} added`, (issues) =>
      modelForm(c, null, withBlankRow(v), errorsOf(issues, 'model', modelRename(rowOf)), 400),
    );
  });
  app.get('/sites/:site/models/:model', async (c) => {
    const m = (await siteOf(c))?.definition.models.find((x) => x.id === c.req.param('model'));
    return m ? modelForm(c, m.id, modelValues(m), {}) : missing(c, 'site or model');
  });
  app.post('/sites/:site/models/:model', async (c) => {
    const id = c.req.param('model');
    const site = await siteOf(c);
    const v = { ...valuesOf(await c.req.parseBody()), id };
    const { model, rowOf } = modelOf(
      v,
      site?.definition.models.find((m) => m.id === id),
    );
    return save(c, { kind: 'put-model', id, model }, `Model ${id} saved`, (issues) =>
      modelForm(c, id, withBlankRow(v), errorsOf(issues, 'model', modelRename(rowOf)), 400),
    );
  });
  app.post('/sites/:site/models/:model/delete', async (c) => {
    const id = c.req.param('model');
    return save(c, { kind: 'delete-model', id }, `Model ${id} deleted`, (issues) =>
      toSite(c, 'error', `Model ${id} not deleted: ${issues.map((i) => i.message).join('; ')}`),
    );
  });

  // A segment's documentation card.
  const docPath = '/sites/:site/models/:model/segments/:segment/documentation';
  const segmentOf = async (c: Context) => {
    const model = (await siteOf(c))?.definition.models.find((m) => m.id === c.req.param('model'));
    const segment = model?.segments.find((s) => s.id === c.req.param('segment'));
    return model && segment ? { model, segment } : null;
  };
  app.get(docPath, async (c) => {
    const found = await segmentOf(c);
    if (!found) return missing(c, 'site, model or segment');
    const d = found.segment.documentation;
    const v = { dataSources: d.dataSources.join('\n'), criteria: d.criteria, validation: d.validation };
    return page(
      c,
      `Document ${found.segment.id}`,
      documentationPage(c.req.param('site'), found.model, found.segment, v, {}),
    );
  });
  app.post(docPath, async (c) => {
    const found = await segmentOf(c);
    if (!found) return missing(c, 'site, model or segment');
    const v = valuesOf(await c.req.parseBody());
    const doc = {
      dataSources: (v['dataSources'] ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      criteria: get(v, 'criteria'),
      validation: get(v, 'validation'),
    };
    const { model, segment } = found;
    return save(
      c,
      { kind: 'put-documentation', model: model.id, segment: segment.id, doc },
      `Documentation of ${segment.id} saved`,
      (issues) =>
        page(
          c,
          `Document ${segment.id}`,
          documentationPage(
            c.req.param('site'),
            model,
            segment,
            v,
            errorsOf(issues, 'documentation', ([h]) => h ?? null),
          ),
          400,
        ),
    );
  });

  // Review and publish: the diff, the note and the button (the form posts to /admin/sites/:site/publish).
  app.get('/sites/:site/review', async (c) => {
    try {
      const d = await loadWorkingDiff(deps.store, c.req.param('site'));
      return page(c, `Review ${d.site}`, reviewPage(d, (d.publishedVersion ?? 0) + 1));
    } catch (e) {
      if (refusalOf(e)?.status === 404) return missing(c, 'site');
      throw e;
    }
  });

  return app;
}
