/**
 * The comlink bridge to the worker. Contracts:
 * - the remote proxy stays referenced for the bridge's lifetime (comlink releases a proxy it sees collected);
 * - every call rejects with `worker-timeout` after `timeoutMs`;
 * - every pending and later call rejects with `worker-terminated` once the worker dies (error or
 *   failed load), or with `closed` once the bridge is terminated on purpose.
 */
import { wrap, releaseProxy, type Remote } from 'comlink';
import { EdsegError } from '../core/errors.js';
import type { EngineApi } from '../core/protocol.js';

type Pending = { reject: (e: EdsegError) => void };

export class WorkerBridge {
  readonly remote: Remote<EngineApi>;
  private readonly worker: Worker;
  private readonly pending = new Set<Pending>();
  private dead: EdsegError | null = null;

  constructor(
    workerUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.worker = new Worker(workerUrl, { name: 'edseg' });
    this.remote = wrap<EngineApi>(this.worker);
    this.worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.kill(
        new EdsegError(
          'worker-terminated',
          `edseg: the worker failed: ${ev.message || 'could not load ' + workerUrl}`,
        ),
      );
    });
    this.worker.addEventListener('messageerror', () => {
      this.kill(new EdsegError('worker-terminated', 'edseg: a message from the worker could not be read'));
    });
  }

  /** Runs one remote call with a timeout; `label` names the call in errors. */
  call<T>(
    label: string,
    fn: (remote: Remote<EngineApi>) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { reject };
      const timer = setTimeout(() => {
        this.pending.delete(entry);
        reject(new EdsegError('worker-timeout', `edseg: ${label}() timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.pending.delete(entry);
      };
      entry.reject = (e) => {
        settle();
        reject(e);
      };
      this.pending.add(entry);
      fn(this.remote).then(
        (v) => {
          settle();
          resolve(v);
        },
        (e: unknown) => {
          settle();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Stops the worker; pending and later calls reject with `reason`. */
  kill(reason: EdsegError): void {
    if (this.dead) return;
    this.dead = reason;
    for (const p of [...this.pending]) p.reject(reason);
    this.pending.clear();
    try {
      this.remote[releaseProxy]();
    } catch {
      /* already released */
    }
    this.worker.terminate();
  }
}
