// tfjs-core modules the worker never runs, replaced in its build only (rollup.config.mjs, tfjsStubs): the
// kernel profiler (tf.profile, the DEBUG flag), the gradient tape's backward pass (tf.grad and friends) and
// the pretty-printer of tensor values (tensor.toString, tf.print). The worker runs kernels through the engine
// in production mode: none of these paths is taken, and each says so if one ever is (issue 24: about 1.5 KB gz).
// `unused` also backs the tensor methods that would call ops (tfjs-core-lite.js).
export const unused = (what) => {
  throw new Error(`edseg: ${what} is not in the worker's TensorFlow.js build`);
};

// scripts/tfjs-trim.mjs: the methods of `cls` named in `names` (space-separated), each a throw by name.
export const trimmed = (cls, as, names) => {
  for (const name of names.split(' ')) cls.prototype[name] = () => unused(`${as}.${name}()`);
};

// engine.js builds one Profiler per backend and calls it only when profiling or in DEBUG mode.
export class Profiler {
  profileKernel() {
    return unused('kernel profiling');
  }
  logKernelProfile() {}
}

export const getFilteredNodesXToY = () => unused('gradients');
export const backpropagateGradients = () => unused('gradients');

export const tensorToString = (_vals, shape, dtype) => `Tensor (${dtype}, shape [${shape}])`;

// log.js: tfjs's warn() and log() print only outside production mode. tf.ts enables production mode before
// it registers a kernel or a backend, and nothing else in the worker calls tfjs: they would never print.
export const warn = () => {};
export const log = () => {};

// global_util.js: tfjs's one global object (window, global, process or self, whichever exists first) is
// globalThis in a worker, a page and Node alike; its singletons (the engine, the kernel registry) hang off it.
export const getGlobalNamespace = () => globalThis;
export const getGlobal = (key, init) => {
  const map = (globalThis._tfGlobals ??= new Map());
  if (!map.has(key)) map.set(key, init());
  return map.get(key);
};
