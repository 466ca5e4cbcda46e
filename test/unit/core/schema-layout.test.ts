// The schema's layout, read from the import lines of the sources: the schema modules import nothing
// from feature logic, and src/core has no import cycle (schema <-> features, validate <-> segment).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const core = join(root, 'src', 'core');

/** Every module specifier of `file`'s import and export-from lines, type-only ones included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm))
    out.push((m[1] ?? m[2])!);
  return out;
}

/** The .ts files under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The files `file` imports by relative path, as .ts paths. */
const localImports = (file: string): string[] =>
  specifiers(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));

const schemaDir = join(core, 'schema');
const schemaModules = tsFiles(schemaDir);

describe('schema layout', () => {
  it('has one module per job under src/core/schema/', () => {
    expect(schemaModules.map((f) => relative(schemaDir, f)).sort()).toEqual([
      'accounts.ts',
      'admin.ts',
      'atoms.ts',
      'checks.ts',
      'consent.ts',
      'device.ts',
      'events.ts',
      'feature-spec.ts',
      'installation.ts',
      'manifest-check.ts',
      'manifest.ts',
      'options.ts',
      'parse.ts',
      'plain.ts',
      'report.ts',
      'science.ts',
      'server.ts',
      'time.ts',
    ]);
  });

  it('schema.ts only re-exports the schema modules', () => {
    for (const s of specifiers(join(core, 'schema.ts'))) expect(s).toMatch(/^\.\/schema\/[a-z-]+\.js$/);
  });

  it('the schema modules import only zod, each other and errors.ts: no feature logic', () => {
    for (const file of schemaModules) {
      for (const s of specifiers(file)) {
        const ok = /^zod(\/|$)/.test(s) || /^\.\/[a-z-]+\.js$/.test(s) || s === '../errors.js';
        expect(ok, `${relative(root, file)} imports ${s}`).toBe(true);
      }
    }
  });

  it('src/core has no import cycle (privacy/validate.ts and privacy/segment.ts included)', () => {
    const graph = new Map(tsFiles(core).map((f) => [f, localImports(f)]));
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (path.includes(f)) {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(core, p)).join(' -> '));
        return;
      }
      if (done.has(f)) return;
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      done.add(f);
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
    // the two that used to import each other
    const privacy = join(core, 'privacy');
    expect(localImports(join(privacy, 'validate.ts'))).not.toContain(join(privacy, 'segment.ts'));
  });
});
