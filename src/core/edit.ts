/**
 * Edits of a site's working copy (the definition and policy a publish signs): put or delete a
 * feature, put or delete a model with its segments, write a segment's documentation card. Pure:
 * each edit returns the new working copy or throws EditRefused (400 listing every issue with the field
 * it names, or 404 for an item that does not exist), in the edit's own terms (`feature.clip`, `model.centroids.1`, `documentation.criteria`),
 * so the console can show each message beside its field. The result keeps every rule a manifest
 * must keep (manifestIssues), so the working copy is always publishable.
 */
import {
  DocumentationInput,
  FeatureSpec,
  Model,
  fieldOf,
  manifestIssues,
  partialClearModels,
} from './schema.js';
import type { SiteDefinition, SitePolicy } from './schema.js';
import type * as z from 'zod/mini';

export type WorkingCopy = { definition: SiteDefinition; policy: SitePolicy };
export type EditIssue = { field: string; message: string };

/**
 * A refused edit, with the status the server answers it with: 400 for an edit that fails its checks
 * (`issues`: every one, the message lists them), 404 for an item or site that does not exist (one
 * issue, its message). `field` is the first issue's.
 */
export class EditRefused extends Error {
  readonly field: string | undefined;
  constructor(
    readonly issues: EditIssue[],
    readonly status: 400 | 404 = 400,
  ) {
    super(issues.map((i) => (status === 404 ? i.message : `${i.field}: ${i.message}`)).join('; '));
    this.name = 'EditRefused';
    this.field = issues[0]?.field;
  }
}

export type WorkingEdit =
  | { kind: 'put-feature'; name: string; spec: unknown }
  | { kind: 'delete-feature'; name: string }
  | { kind: 'put-model'; id: string; model: unknown }
  | { kind: 'delete-model'; id: string }
  | { kind: 'put-documentation'; model: string; segment: string; doc: unknown };

/** The new working copy, and what the edit changed besides what was asked (said to the editor). */
export type EditResult = WorkingCopy & { notes: string[] };

/** Every issue of `value` against `schema`, named under `root`. */
function issuesOf<T extends z.ZodMiniType>(
  schema: T,
  value: unknown,
  root: string,
): { ok: true; value: z.infer<T> } | { ok: false; issues: EditIssue[] } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data as z.infer<T> };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ field: fieldOf(i.path, root), message: i.message })),
  };
}

function parsed<T extends z.ZodMiniType>(schema: T, value: unknown, root: string): z.infer<T> {
  const r = issuesOf(schema, value, root);
  if (!r.ok) throw new EditRefused(r.issues);
  return r.value;
}

/** The 404 for an item (or site) that does not exist. */
const notFound = (what: string, id: string, field: string): EditRefused =>
  new EditRefused([{ field, message: `unknown ${what} "${id}"` }], 404);

/** The id in the path wins; a body that names another one is refused (a rename is an add and a delete). */
function sameId(given: unknown, id: string, field: string): void {
  if (given !== undefined && given !== id)
    throw new EditRefused([
      {
        field,
        message: `must be "${id}", the id in the path (to rename, add a new one and delete this one)`,
      },
    ]);
}

/** The policy without segments that no longer exist, and with no model left partly in clear (narrowed, never widened). */
function prunePolicy(definition: SiteDefinition, policy: SitePolicy, notes: string[]): SitePolicy {
  const ids = new Set(definition.models.flatMap((m) => m.segments.map((s) => s.id)));
  const gone = [...new Set([...policy.allowed, ...policy.clear])].filter((id) => !ids.has(id));
  if (gone.length) notes.push(`removed from the policy: ${gone.join(', ')} (no longer a segment)`);
  let clear = policy.clear.filter((id) => ids.has(id));
  const allowed = policy.allowed.filter((id) => ids.has(id));
  for (const p of partialClearModels({ models: definition.models, policy: { allowed, clear } })) {
    clear = clear.filter((id) => !p.inClear.includes(id));
    notes.push(
      `model ${p.model} no longer reported in clear (its new segments ${p.notInClear.join(', ')} are not): tick it again in the policy`,
    );
  }
  return { allowed, clear };
}

/** The cross-field issues of a working copy, with the edited item's paths renamed into the edit's terms. */
function crossIssues(w: WorkingCopy, rename: (path: (string | number)[]) => string | null): EditIssue[] {
  return manifestIssues({ ...w.definition, policy: w.policy }).map((i) => ({
    field: rename(i.path) ?? fieldOf(i.path),
    message: i.message,
  }));
}

/** Applies one edit to a working copy; throws EditRefused (400, or 404 for what does not exist) naming the field. */
export function applyEdit(w: WorkingCopy, edit: WorkingEdit): EditResult {
  const def = w.definition;
  const notes: string[] = [];
  switch (edit.kind) {
    case 'put-feature': {
      const body = edit.spec;
      sameId(
        typeof body === 'object' && body !== null ? (body as { name?: unknown }).name : undefined,
        edit.name,
        'feature.name',
      );
      const spec = parsed(
        FeatureSpec,
        { ...(typeof body === 'object' && body !== null ? body : {}), name: edit.name },
        'feature',
      );
      const at = def.features.findIndex((f) => f.name === edit.name);
      const features = at < 0 ? [...def.features, spec] : def.features.map((f, i) => (i === at ? spec : f));
      const index = at < 0 ? features.length - 1 : at;
      const next = { definition: { ...def, features }, policy: w.policy };
      const issues = crossIssues(next, (p) =>
        p[0] === 'features' && p[1] === index
          ? fieldOf(p.slice(2), 'feature')
          : p[0] === 'retention' && p[1] === 'rollupDays'
            ? 'feature.windowDays'
            : null,
      );
      if (issues.length) throw new EditRefused(issues);
      return { ...next, notes };
    }
    case 'delete-feature': {
      if (!def.features.some((f) => f.name === edit.name)) throw notFound('feature', edit.name, 'feature');
      const readers = def.models.filter((m) => m.features.includes(edit.name)).map((m) => m.id);
      if (readers.length)
        throw new EditRefused([
          {
            field: 'feature',
            message: `read by model ${readers.join(', ')}: take it out of the model first`,
          },
        ]);
      if (def.features.length === 1)
        throw new EditRefused([{ field: 'feature', message: 'a site needs at least one feature' }]);
      return {
        definition: { ...def, features: def.features.filter((f) => f.name !== edit.name) },
        policy: w.policy,
        notes,
      };
    }
    case 'put-model': {
      const body = edit.model;
      sameId(
        typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined,
        edit.id,
        'model.id',
      );
      const model = parsed(
        Model,
        { ...(typeof body === 'object' && body !== null ? body : {}), id: edit.id },
        'model',
      );
      // A segment id another model uses is named here, in this model's terms (manifestIssues would flag whichever comes later).
      const others = new Set(
        def.models.filter((m) => m.id !== edit.id).flatMap((m) => m.segments.map((s) => s.id)),
      );
      const taken = model.segments.flatMap((s, i) =>
        others.has(s.id)
          ? [{ field: `model.segments.${i}.id`, message: `segment id "${s.id}" is used by another model` }]
          : [],
      );
      if (taken.length) throw new EditRefused(taken);
      const at = def.models.findIndex((m) => m.id === edit.id);
      const models = at < 0 ? [...def.models, model] : def.models.map((m, i) => (i === at ? model : m));
      const index = at < 0 ? models.length - 1 : at;
      const definition = { ...def, models };
      const next = { definition, policy: prunePolicy(definition, w.policy, notes) };
      const issues = crossIssues(next, (p) =>
        p[0] === 'models' && p[1] === index ? fieldOf(p.slice(2), 'model') : null,
      );
      if (issues.length) throw new EditRefused(issues);
      return { ...next, notes };
    }
    case 'delete-model': {
      if (!def.models.some((m) => m.id === edit.id)) throw notFound('model', edit.id, 'model');
      if (def.models.length === 1)
        throw new EditRefused([{ field: 'model', message: 'a site needs at least one model' }]);
      const definition = { ...def, models: def.models.filter((m) => m.id !== edit.id) };
      return { definition, policy: prunePolicy(definition, w.policy, notes), notes };
    }
    case 'put-documentation': {
      const model = def.models.find((m) => m.id === edit.model);
      if (!model) throw notFound('model', edit.model, 'model');
      const segment = model.segments.find((s) => s.id === edit.segment);
      if (!segment) throw notFound('segment', edit.segment, 'segment');
      // The changelog stays the server's: one sent back with a card read from the API is not taken.
      const { dataSources, criteria, validation } = parsed(DocumentationInput, edit.doc, 'documentation');
      const documentation = { dataSources, criteria, validation, changelog: segment.documentation.changelog };
      const models = def.models.map((m) =>
        m.id !== model.id
          ? m
          : { ...m, segments: m.segments.map((s) => (s.id === segment.id ? { ...s, documentation } : s)) },
      );
      return { definition: { ...def, models }, policy: w.policy, notes };
    }
  }
}
