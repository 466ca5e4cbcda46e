/**
 * The custom TensorFlow.js build: tfjs-core plus edseg's own backend (tf-kernels.ts), registered as
 * `cpu`, with ONLY the kernels model.ts dispatches to. tfjs-backend-cpu's MathBackendCPU and its
 * kernels' helpers (transposes, casts, complex numbers) are not in the worker (issue 24); its
 * arithmetic is, kernel for kernel (tf-kernels.ts says how, its test compares them).
 *
 * The kernels model.ts runs, through tfjs-core's engine (engine().runKernel, as tfjs's op wrappers do,
 * without them: the worker's tfjs-core build carries no op wrapper; softmax is one kernel, its max, exp,
 * sum and divide inside it):
 *   centroids: SquaredDifference, Sum, ArgMin
 *   softmax:   Multiply, Sum, Add, Softmax, ArgMax
 *   mlp:       Multiply, Sum, Add, Relu, Reshape, Softmax, ArgMax
 * A new kernel in model.ts needs its kernel in tf-kernels.ts; the unit test pins the list and fails on a missing one.
 */
import {
  enableProdMode,
  findBackendFactory,
  getBackend,
  getKernel,
  registerBackend,
  registerKernel,
  setBackend,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { EDSEG_KERNELS, EdsegBackend } from './tf-kernels.js';

/** The kernel configs this build registers, and nothing else. */
export const KERNELS: readonly KernelConfig[] = EDSEG_KERNELS;

const BACKEND = 'cpu';
let pending: Promise<void> | undefined;
let isReady = false;

/** Registers the cpu backend and the needed kernels once and makes cpu the active backend. */
export function ready(): Promise<void> {
  pending ??= init().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

/** Whether ready() has completed, so assign() can fail with a clear message instead of tfjs's. */
export function tfReady(): boolean {
  return isReady && getBackend() === BACKEND;
}

async function init(): Promise<void> {
  // Production mode: no console warnings (e.g. tfjs's "install tfjs-node" banner under Node) and
  // no debug-mode checks; the worker owns this tfjs instance, so the flag touches nothing else.
  enableProdMode();
  // Guards keep tfjs from warning when a host (or a test) has registered them already.
  for (const k of KERNELS) if (!getKernel(k.kernelName, BACKEND)) registerKernel(k);
  if (!findBackendFactory(BACKEND)) registerBackend(BACKEND, () => new EdsegBackend(), 1);
  if (!(await setBackend(BACKEND))) throw new Error('edseg: the TensorFlow.js backend failed to initialise');
  isReady = true;
}
