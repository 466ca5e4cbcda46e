/**
 * The worker-thread entry of the server's science jobs (jobs.ts): receives one ScienceTask as its
 * workerData, runs it (tasks.ts) and posts { progress } lines, then { outcome } or { error } (with
 * the status and field of a TaskRefusal). The build ships it as dist/science-worker.mjs beside
 * dist/server.mjs; jobs.ts terminates the thread when the job is cancelled or passes its time cap.
 * On Linux the thread runs at a low priority (nice 10), so the event loop's thread goes first.
 */
import { constants, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, TaskRefusal, type ScienceTask } from './tasks.js';

export type WorkerMessage =
  { progress: string } | { outcome: unknown } | { error: string; status?: 400 | 413; field?: string };

const port = parentPort;
if (port) {
  // On Linux a nice value belongs to the calling thread (setpriority(2), NOTES): this thread yields
  // the CPU to the event loop's on a busy machine. Elsewhere it would lower the whole process: not done.
  if (process.platform === 'linux') setPriority(constants.priority.PRIORITY_BELOW_NORMAL);
  const post = (m: WorkerMessage) => port.postMessage(m);
  runTask(workerData as ScienceTask, (line) => post({ progress: line })).then(
    (outcome) => post({ outcome }),
    (e: unknown) =>
      post(
        e instanceof TaskRefusal
          ? { error: e.message, status: e.status, field: e.field }
          : { error: e instanceof Error ? e.message : String(e) },
      ),
  );
}
