/**
 * The custom TensorFlow.js build: tfjs-core plus the cpu backend with ONLY the kernels model.ts
 * dispatches to. Importing the full `@tensorflow/tfjs-backend-cpu` entry would register all ~170
 * cpu kernels and keep them in the bundle; registering configs one by one lets the bundler drop
 * the rest (ARCHITECTURE.md, "Chosen dependencies": ~23 KB gz instead of 271 KB gz).
 *
 * Kernels a model op reaches (the Softmax kernel calls Max, Sub, Exp, Sum, RealDiv and Reshape as
 * plain functions, not through the registry, so they need no registration of their own):
 *   centroids: squaredDifference -> SquaredDifference, sum -> Sum, argMin -> ArgMin
 *   softmax:   mul -> Multiply, sum -> Sum, add -> Add, softmax -> Softmax, argMax -> ArgMax
 *   mlp:       mul -> Multiply, sum -> Sum, add -> Add, relu -> Relu, reshape -> Reshape,
 *              softmax -> Softmax, argMax -> ArgMax
 * A new op in model.ts needs its kernel here; the unit test pins the list and fails on a missing one.
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
// backend_cpu.js, not base.js: base.js also registers the backend as a side effect on import.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu/dist/backend_cpu.js';
import { addConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Add.js';
import { argMaxConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/ArgMax.js';
import { argMinConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/ArgMin.js';
import { multiplyConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Multiply.js';
import { reluConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Relu.js';
import { reshapeConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Reshape.js';
import { softmaxConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Softmax.js';
import { squaredDifferenceConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/SquaredDifference.js';
import { sumConfig } from '@tensorflow/tfjs-backend-cpu/dist/kernels/Sum.js';

/** The kernel configs this build registers, and nothing else. */
export const KERNELS: readonly KernelConfig[] = [
  addConfig,
  argMaxConfig,
  argMinConfig,
  multiplyConfig,
  reluConfig,
  reshapeConfig,
  softmaxConfig,
  squaredDifferenceConfig,
  sumConfig,
];

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
  if (!findBackendFactory(BACKEND)) registerBackend(BACKEND, () => new MathBackendCPU(), 1);
  if (!(await setBackend(BACKEND)))
    throw new Error('edseg: the TensorFlow.js cpu backend failed to initialise');
  isReady = true;
}
