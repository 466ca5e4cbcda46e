// The `peers` bench part's pure helpers: a subject's rounds summarised as medians, and one engine's
// Markdown table of every subject beside the empty-worker echo measured in the same run.
import { median } from '../core.js';
import { markdownTable } from '../lib.js';

/** One round of one subject in one engine: what the page measured (see page.mjs's harness). */
export type Round = {
  /** navigation start to ready, ms */
  readyMs: number;
  /** main-thread cost of one track() call, µs (the loop of N calls over N) */
  perCallUs: number;
  /** main-thread busy time from the first of the N calls until the thread is idle, ms */
  busyMs: number;
  /** JS heap growth from the page's start to after the calls and a gc(), bytes; null: not measurable */
  heapBytes: number | null;
};

export type Summary = {
  rounds: number;
  readyMs: number;
  perCallUs: number;
  busyMs: number;
  /** null when any round could not measure it (the engine has no way to) */
  heapBytes: number | null;
};

/** The medians of a subject's rounds; throws on none (a subject that never measured is a failure). */
export function summarise(rounds: Round[]): Summary {
  if (rounds.length === 0) throw new Error('summarise: no rounds');
  const heaps = rounds.map((r) => r.heapBytes);
  return {
    rounds: rounds.length,
    readyMs: median(rounds.map((r) => r.readyMs)),
    perCallUs: median(rounds.map((r) => r.perCallUs)),
    busyMs: median(rounds.map((r) => r.busyMs)),
    heapBytes: heaps.every((h): h is number => h !== null) ? median(heaps) : null,
  };
}

/** A subject's row: its label, its bytes (gzip -9 of what the page loaded; null: none of its own). */
export type Subject = { label: string; bytes: number | null; summary: Summary };

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const group = (x: number, digits: number) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (a: number, b: number) => (b > 0 ? `${group(a / b, a / b < 10 ? 2 : 0)}x` : '-');

/**
 * One engine's table: a row per subject, the figures and, for track() and the busy time, the ratio
 * to `baseline` (the plain postMessage to an empty worker, measured in the same run).
 */
export function peersTable(subjects: Subject[], baseline: Summary): string {
  const rows = subjects.map(({ label, bytes, summary: s }) => [
    label,
    bytes === null ? '-' : kib(bytes),
    `${group(s.readyMs, 0)} ms`,
    `${group(s.perCallUs, s.perCallUs < 100 ? 1 : 0)} µs (${times(s.perCallUs, baseline.perCallUs)})`,
    `${group(s.busyMs, 0)} ms (${times(s.busyMs, baseline.busyMs)})`,
    s.heapBytes === null ? 'n/a' : `${(s.heapBytes / 1_048_576).toFixed(1)} MiB`,
  ]);
  return markdownTable(
    [
      'subject',
      'bytes, gzip -9',
      'navigation to ready',
      'track(), per call (x postMessage)',
      'busy for 1,000 calls (x postMessage)',
      'heap growth',
    ],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
}

/**
 * The content processes of the engines (their main thread runs the page): Chromium's web renderers,
 * Firefox's web-content processes, WebKit's web processes; `cmdline` as /proc/<pid>/cmdline (NULs
 * between the arguments, or spaces where the process rewrote its title, as Chromium's do).
 */
export function isContentProcess(cmdline: string): boolean {
  const args = cmdline.split(/[\0 ]/).filter(Boolean);
  // (not the browser's own WebUI or extension renderers)
  if (args.includes('--type=renderer'))
    return !args.includes('--top-chrome-webui') && !args.includes('--extension-process');
  if (args.includes('-contentproc')) return args.at(-1) === 'tab';
  return /(^|\/)WebKitWebProcess$/.test(args[0] ?? '');
}

/** Every descendant of `root` in the process table `parents` (pid → parent pid), `root` left out. */
export function descendantsOf(parents: Map<number, number>, root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out = new Set<number>();
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * The CPU time (ns) the main threads spent between two samples (pid → the main thread's run time,
 * the first field of /proc/<pid>/task/<pid>/schedstat), over the processes present in both: one that
 * started or ended in between is left out (its own load or teardown is not the page's work).
 */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let ns = 0;
  for (const [pid, t] of after) {
    const t0 = before.get(pid);
    if (t0 !== undefined && t >= t0) ns += t - t0;
  }
  return ns;
}
