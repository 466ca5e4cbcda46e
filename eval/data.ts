/**
 * Reading the OULAD CSV files (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0): the enrolments of the
 * evaluated module runs, with their registration dates, assessment submissions and clicks.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClickRow, Submission } from './mapping.js';
import { OUTCOMES, type Outcome } from './stats.js';

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/** The fields of one CSV line (RFC 4180 quoting: "a,b" is one field, "" inside quotes is a quote); a trailing \r is dropped. */
export function parseCsvLine(line: string): string[] {
  const s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!s.includes('"')) return s.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The numeric value of a CSV field, null when empty or `?` (OULAD's missing value). */
export function numberOrNull(field: string | undefined): number | null {
  if (field === undefined || field === '' || field === '?') return null;
  const x = Number(field);
  return Number.isFinite(x) ? x : null;
}

/** A header's column positions by name, throwing when one is missing (the files' column order differs from the official ones). */
function columns<N extends string>(header: string[], names: readonly N[], file: string): Record<N, number> {
  const at = {} as Record<N, number>;
  for (const n of names) {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`${file}: no column "${n}" in ${header.join(',')}`);
    at[n] = i;
  }
  return at;
}

/** The named columns of every data row of one CSV file (read whole: the small files only). */
function readTable<N extends string>(dir: string, file: string, names: readonly N[]): Record<N, string>[] {
  const lines = readFileSync(resolve(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const at = columns(parseCsvLine(lines[0] ?? ''), names, file);
  return lines.slice(1).map((l) => {
    const f = parseCsvLine(l);
    const row = {} as Record<N, string>;
    for (const n of names) row[n] = f[at[n]] ?? '';
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** The module runs evaluated: those whose clickstream is complete in the OULAD copy. */
export const RUNS = ['AAA-2013J', 'AAA-2014J', 'BBB-2013B'];

/** The OULAD files the evaluation reads. */
export const DATA_FILES = [
  'studentInfo.csv',
  'studentRegistration.csv',
  'assessments.csv',
  'studentAssessment.csv',
  'vle.csv',
  'studentVle.csv',
] as const;

/** Why `dir` cannot be read as the OULAD folder (one line naming it), or null when it has every file. */
export function dataDirProblem(dir: string): string | null {
  if (!existsSync(dir)) return `no OULAD data folder at ${dir} (give --data DIR)`;
  if (!statSync(dir).isDirectory()) return `${dir} is not a folder (give --data DIR, the OULAD CSV folder)`;
  const missing = DATA_FILES.filter((f) => !existsSync(resolve(dir, f)));
  return missing.length === 0 ? null : `the OULAD data folder ${dir} has no ${missing.join(', ')}`;
}

/** The module runs ("AAA-2013J") that have clickstream rows in `dir`'s studentVle.csv, sorted. */
export async function clickRuns(dir: string): Promise<string[]> {
  const runs = new Set<string>();
  const lines = createInterface({
    input: createReadStream(resolve(dir, 'studentVle.csv')),
    crlfDelay: Infinity,
  });
  let at: Record<'code_module' | 'code_presentation', number> | null = null;
  for await (const line of lines) {
    if (line === '') continue;
    const f = parseCsvLine(line);
    if (at === null) at = columns(f, ['code_module', 'code_presentation'], 'studentVle.csv');
    else runs.add(`${f[at.code_module]}-${f[at.code_presentation]}`);
  }
  return [...runs].sort();
}

/** One enrolment (a learner in one module run): its final result, registration dates, submissions and clicks. */
export type Enrolment = {
  key: string;
  run: string;
  outcome: Outcome;
  registered: number | null;
  unregistered: number | null;
  clicks: ClickRow[];
  subs: Submission[];
};

/** Every enrolment of `runs` (default RUNS), read from the OULAD CSV files in `dir`. */
export async function load(dir: string, runs: readonly string[] = RUNS): Promise<Enrolment[]> {
  const enrolments = new Map<string, Enrolment>();
  for (const r of readTable(dir, 'studentInfo.csv', [
    'code_module',
    'code_presentation',
    'id_student',
    'final_result',
  ])) {
    const run = `${r.code_module}-${r.code_presentation}`;
    if (!runs.includes(run)) continue;
    if (!(OUTCOMES as readonly string[]).includes(r.final_result))
      throw new Error(`studentInfo.csv: unknown final_result "${r.final_result}"`);
    const key = `${run}-${r.id_student}`;
    enrolments.set(key, {
      key,
      run,
      outcome: r.final_result as Outcome,
      registered: null,
      unregistered: null,
      clicks: [],
      subs: [],
    });
  }
  for (const r of readTable(dir, 'studentRegistration.csv', [
    'code_module',
    'code_presentation',
    'id_student',
    'date_registration',
    'date_unregistration',
  ])) {
    const e = enrolments.get(`${r.code_module}-${r.code_presentation}-${r.id_student}`);
    if (!e) continue;
    e.registered = numberOrNull(r.date_registration);
    e.unregistered = numberOrNull(r.date_unregistration);
  }
  const assessmentRun = new Map<string, string>();
  const due = new Map<string, number | null>();
  for (const r of readTable(dir, 'assessments.csv', [
    'code_module',
    'code_presentation',
    'id_assessment',
    'date',
  ])) {
    assessmentRun.set(r.id_assessment, `${r.code_module}-${r.code_presentation}`);
    due.set(r.id_assessment, numberOrNull(r.date));
  }
  for (const r of readTable(dir, 'studentAssessment.csv', [
    'id_student',
    'id_assessment',
    'date_submitted',
    'is_banked',
    'score',
  ])) {
    const run = assessmentRun.get(r.id_assessment);
    const e = run ? enrolments.get(`${run}-${r.id_student}`) : undefined;
    const day = numberOrNull(r.date_submitted);
    // banked results were carried over from an earlier presentation: no activity in this one
    if (!e || day === null || r.is_banked === '1') continue;
    e.subs.push({ day, score: numberOrNull(r.score), due: due.get(r.id_assessment) ?? null });
  }
  const activity = new Map<string, string>();
  for (const r of readTable(dir, 'vle.csv', ['id_site', 'activity_type']))
    activity.set(r.id_site, r.activity_type);

  const lines = createInterface({
    input: createReadStream(resolve(dir, 'studentVle.csv')),
    crlfDelay: Infinity,
  });
  let at: Record<
    'code_module' | 'code_presentation' | 'id_student' | 'id_site' | 'date' | 'sum_click',
    number
  > | null = null;
  for await (const line of lines) {
    if (line === '') continue;
    const f = parseCsvLine(line);
    if (at === null) {
      at = columns(
        f,
        ['code_module', 'code_presentation', 'id_student', 'id_site', 'date', 'sum_click'],
        'studentVle.csv',
      );
      continue;
    }
    const e = enrolments.get(`${f[at.code_module]}-${f[at.code_presentation]}-${f[at.id_student]}`);
    const site = f[at.id_site] ?? '';
    const day = numberOrNull(f[at.date]);
    const clicks = numberOrNull(f[at.sum_click]);
    if (!e || day === null || clicks === null) continue;
    e.clicks.push({ site, activity: activity.get(site) ?? 'unknown', day, clicks });
  }
  return [...enrolments.values()];
}
