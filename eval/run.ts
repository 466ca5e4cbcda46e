/**
 * Evaluates the seeded lingua-kids manifest on real learners: the OULAD clickstream of AAA-2013J,
 * AAA-2014J and BBB-2013B (Kuzilek, Hlosta & Zdrahal 2017, Scientific Data 4:170171, CC BY 4.0),
 * mapped to the demo's event vocabulary and run through the SDK's own code (rollupEvents ->
 * computeFeatures -> assignReference; buildReport -> estimateSite). docs/EVALUATION.md explains
 * the method and its limits; the eval/ modules are the method.
 *
 *   npm run -s evaluate -- [--data DIR] [--out DIR] [--json] [--json-out FILE] [--modules AAA,BBB] [--reps N] [--wide] [--docs]
 *   npm run -s evaluate -- --learners-out DIR [--day N] [--data DIR] [--modules AAA,BBB]
 *
 * Part A: per snapshot day, the pace and mastery segments against final_result (Wilson intervals).
 * Part B: every learner sends one ldp report; R seeded repetitions of estimateSite against the
 * known truth (error, coverage, k-threshold suppression), and the n a 0.05 half-width needs.
 * Part C: the predictive at-risk segment per module (eval/predictive.ts) against a plain baseline.
 * The tables go to stdout (with --json, one JSON object instead, `predictive` among its fields),
 * progress to stderr (`npm run -s`, or --json-out FILE, keeps npm's own "> edseg-repo@… evaluate"
 * banner out of the JSON); --out DIR writes the tables as evaluation.md and the charts as SVG; --docs
 * also replaces the block between the markers in docs/EVALUATION.md with the same tables.
 * --learners-out DIR writes only the learner CSVs of module day N (default 28) and the manifest, for
 * the console's fit and train pages, and skips the parts (a few seconds).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { clickRuns, dataDirProblem, load, type Enrolment } from './data.js';
import { MAPPING, SENSITIVITY } from './mapping.js';
import { partA } from './part-a.js';
import { partB } from './part-b.js';
import { predictive } from './predictive.js';
import { featureCsv, seedManifest, snapshots } from './segments.js';
import { replaceGenerated } from './tables.js';

/** The repository's root folder (the parent of eval/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The data folder used without --data or OULAD_DIR: ../shared/data/oulad, beside the repository `root`. */
export function defaultDataDir(root: string = REPO_ROOT): string {
  return resolve(root, '..', 'shared', 'data', 'oulad');
}

const USAGE = `usage: npm run evaluate -- [--data DIR] [--out DIR] [--json] [--json-out FILE] [--modules AAA,BBB] [--reps N] [--wide] [--docs]

  --data DIR     the OULAD CSV folder (default: $OULAD_DIR, else ../shared/data/oulad beside the repo)
  --out DIR      write the tables (evaluation.md) and the charts (SVG) there
  --json         stdout: one JSON object (predictive: [{ module, trainPresentations, testPresentation, auc, ... }], tables)
  --json-out F   write the same JSON object to the file F (stdout keeps the tables unless --json)
  --modules A,B  only these modules (default: every module run with clicks in the data)
  --reps N       repetitions of the LDP simulation (default 200)
  --wide         Part C also cross-validates bagged mlps (5 seeds merged into one mlp), the weekly
                 sets and a random-forest reference that never ships (minutes)
  --docs         also rewrite the generated block of docs/EVALUATION.md
  --learners-out DIR  only write the learner CSVs of module day --day (default 28) there and stop:
                 features-dayN.csv (for fit), labelled-dayN.csv (the same and final_result, for
                 train) and seed-manifest.json
  --day N        the module day of --learners-out (0 to 250)
  --help         this text

The tables go to stdout, progress to stderr. npm prints its own "> edseg-repo@... evaluate" lines
to stdout before them: use \`npm run -s evaluate -- --json\` or --json-out FILE for JSON alone.
`;

/** Where main writes: `out` takes the tables (stdout), `err` one line at a time (stderr). */
export type Io = { out: (text: string) => void; err: (line: string) => void };

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the evaluation for the command-line arguments `argv`; resolves to the process's exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let values: {
    data?: string;
    out?: string;
    json?: boolean;
    'json-out'?: string;
    modules?: string;
    reps?: string;
    wide?: boolean;
    docs?: boolean;
    'learners-out'?: string;
    day?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'json-out': { type: 'string' },
        modules: { type: 'string' },
        reps: { type: 'string' },
        wide: { type: 'boolean' },
        docs: { type: 'boolean' },
        'learners-out': { type: 'string' },
        day: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    io.err(`evaluate: ${e instanceof Error ? e.message : String(e)} (--help for usage)`);
    return 1;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const reps = Number(values.reps ?? 200);
  if (!Number.isInteger(reps) || reps < 1) {
    io.err(`evaluate: --reps must be a whole number of at least 1, not "${values.reps}"`);
    return 1;
  }
  const jsonOut = values['json-out'] === undefined ? undefined : resolve(values['json-out']);
  if (jsonOut !== undefined && !existsSync(dirname(jsonOut))) {
    io.err(`evaluate: --json-out: the folder ${dirname(jsonOut)} does not exist`);
    return 1;
  }
  const dir = resolve(values.data ?? process.env.OULAD_DIR ?? defaultDataDir());
  const problem = dataDirProblem(dir);
  if (problem !== null) {
    io.err(`evaluate: ${problem}`);
    return 1;
  }

  const t0 = performance.now();
  io.err(`evaluate: reading ${dir}`);
  const manifest = seedManifest();
  const wanted = values.modules?.split(',').map((m) => m.trim());
  const runs = (await clickRuns(dir)).filter((r) => !wanted || wanted.includes(r.split('-')[0]!));
  if (runs.length === 0) {
    io.err(
      `evaluate: no module runs with clicks in ${dir}${wanted ? ` for --modules ${values.modules}` : ''}`,
    );
    return 1;
  }
  const enrolments = await load(dir, runs);
  const tLoad = performance.now();
  if (values['learners-out'] !== undefined)
    return learnersOut(values['learners-out'], values.day, enrolments, io);
  io.err(`evaluate: part A, ${enrolments.length} enrolments, ${1 + SENSITIVITY.length} mappings`);
  const snaps = snapshots(manifest, enrolments, MAPPING);
  const sensitivity = SENSITIVITY.map((mapping) => ({
    mapping,
    snaps: snapshots(manifest, enrolments, mapping),
  }));
  const tA = performance.now();
  const lines: string[] = [
    `Data: OULAD (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0), runs ${runs.join(', ')}: ${enrolments.length} enrolments, ` +
      `${enrolments.filter((e) => e.clicks.length > 0).length} with clicks, ${enrolments.reduce((s, e) => s + e.clicks.length, 0)} click rows. ` +
      `Manifest: seeded ${manifest.site.id} v${manifest.version}. Seeds fixed; R = ${reps}.`,
    '',
    '## Part A: segment validation',
    '',
    ...partA(manifest, enrolments, snaps, sensitivity),
    '## Part B: LDP estimation error',
    '',
    ...partB(manifest, snaps, reps, (message) => io.err(`evaluate: ${message}`)),
  ];
  const tB = performance.now();
  const partC = await predictive(enrolments, (message) => io.err(`evaluate: ${message}`), reps, {
    wide: values.wide ?? false,
  });
  lines.push('## Part C: predictive at-risk segment', '', ...partC.lines);
  const tC = performance.now();
  if (values.out !== undefined) {
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    writeFileSync(resolve(out, 'evaluation.md'), `${lines.join('\n')}\n`);
    for (const [name, svg] of Object.entries(partC.charts)) writeFileSync(resolve(out, name), svg);
    // the fit's input on real learners: edseg-admin fit --csv features-day28.csv --manifest seed-manifest.json
    writeFileSync(resolve(out, 'features-day28.csv'), featureCsv(manifest, enrolments, 28, MAPPING));
    writeFileSync(resolve(out, 'seed-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    io.err(
      `evaluate: wrote evaluation.md, ${Object.keys(partC.charts).length} charts, features-day28.csv and seed-manifest.json to ${out}`,
    );
  }
  const json = `${JSON.stringify({
    data: dir,
    runs,
    enrolments: enrolments.length,
    reps,
    manifest: { site: manifest.site.id, version: manifest.version },
    predictive: partC.rows,
    tables: lines.join('\n'),
  })}\n`;
  if (jsonOut !== undefined) {
    writeFileSync(jsonOut, json);
    io.err(`evaluate: wrote the JSON object to ${jsonOut}`);
  }
  io.out(values.json ? json : `${lines.join('\n')}\n`);
  if (values.docs) {
    const path = resolve(REPO_ROOT, 'docs/EVALUATION.md');
    writeFileSync(path, replaceGenerated(readFileSync(path, 'utf8'), lines, path));
    io.err(`evaluate: rewrote the generated block of ${path}`);
  }
  const s = (ms: number) => (ms / 1000).toFixed(1);
  io.err(
    `evaluate: load ${s(tLoad - t0)} s, part A ${s(tA - tLoad)} s, part B ${s(tB - tA)} s, part C ${s(tC - tB)} s`,
  );
  return 0;
}

/** --learners-out: the fit's and the train's learner CSVs of one module day, and the manifest. */
function learnersOut(dir: string, dayText: string | undefined, enrolments: Enrolment[], io: Io): number {
  const day = Number(dayText ?? 28);
  if (!Number.isInteger(day) || day < 0 || day > 250) {
    io.err(`evaluate: --day must be a whole number from 0 to 250, not "${dayText}"`);
    return 1;
  }
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const manifest = seedManifest();
  const features = featureCsv(manifest, enrolments, day, MAPPING);
  writeFileSync(resolve(out, `features-day${day}.csv`), features);
  writeFileSync(
    resolve(out, `labelled-day${day}.csv`),
    featureCsv(manifest, enrolments, day, MAPPING, { label: true }),
  );
  writeFileSync(resolve(out, 'seed-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const learners = features.trimEnd().split('\n').length - 1;
  io.err(
    `evaluate: wrote features-day${day}.csv and labelled-day${day}.csv (${learners} learners) and seed-manifest.json to ${out}`,
  );
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
