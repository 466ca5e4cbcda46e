// The main-thread CPU time of the engines' content processes that descend from this process (the
// browsers the bench launched, never another's), read from /proc: the busy time of the `peers` part.
// CPU time, not wall time, so that other work on a shared machine does not count as the page's.
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

/** Runs `fn`; resolves with its result and the content processes' main-thread CPU time meanwhile (ms). */
export async function withCpu(fn) {
  const before = sampleCpu();
  const result = await fn();
  return { result, cpuMs: cpuDelta(before, sampleCpu()) / 1e6 };
}
