// The main-thread CPU time of the engines' content processes that descend from this process (the
// browsers the bench launched, never another's), read from /proc: the busy time of the `peers` part.
// CPU time, not wall time, so that other work on a shared machine does not count as the page's (a
// heartbeat in the page, timing its own gaps, counted 20 s of "busy" on an empty page at a load of 13
// on 2 cores).
import { readFileSync, readdirSync } from 'node:fs';
import { cpuDelta, descendantsOf, isContentProcess } from './core.ts';

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended meanwhile
  }
};

/** pid → the main thread's run time (ns), for every content process under this process. */
export function sampleCpu() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    // the fields after the command's closing parenthesis: state, ppid, ...
    const ppid = stat && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(name), ppid);
  }
  const sample = new Map();
  for (const pid of descendantsOf(parents, process.pid)) {
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (!cmdline || !isContentProcess(cmdline)) continue;
    const run = read(`/proc/${pid}/task/${pid}/schedstat`);
    if (run) sample.set(pid, Number(run.split(' ')[0]));
  }
  return sample;
}

/**
 * Runs `fn`, then waits until the content processes' main threads are idle: at least `settleMs` after
 * `fn` resolved (so that batch timers fire: Amplitude's 1 s, PostHog's 3 s), then until a window of
 * `windowMs` in which they used under `quietMs` of CPU, at most `capMs`. Resolves with `fn`'s result
 * and the main-thread CPU time (ms) from before `fn` to that idle point, and whether it was reached.
 */
export async function cpuUntilIdle(
  fn,
  { settleMs = 3_200, windowMs = 1_000, quietMs = 10, capMs = 60_000 } = {},
) {
  const first = sampleCpu();
  const result = await fn();
  const t0 = Date.now();
  const samples = [{ t: t0, cpu: sampleCpu() }];
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = { t: Date.now(), cpu: sampleCpu() };
    samples.push(now);
    const from = samples.find((x) => now.t - x.t <= windowMs + 125) ?? samples[0];
    const quiet = now.t - from.t >= windowMs - 125 && cpuDelta(from.cpu, now.cpu) / 1e6 < quietMs;
    if ((now.t - t0 >= settleMs && quiet) || now.t - t0 >= capMs)
      return { result, cpuMs: cpuDelta(first, now.cpu) / 1e6, idle: quiet };
  }
}
