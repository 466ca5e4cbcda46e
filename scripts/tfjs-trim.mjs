// The worker build's trim of tfjs-core's Engine, Tensor, Variable and Environment classes
// (rollup.config.mjs, issue 24): the methods the worker never reaches leave the class body and are set
// on its prototype, each a function that throws "edseg: engine.<name>() is not in the worker's
// TensorFlow.js build" (tensor., variable., env.<name>() for the others; worker/tfjs-core-stubs.js
// `trimmed` and `unused`). Some methods get a shorter body for the one path the worker takes (REPLACED). Rollup cannot drop a class's unused methods, and what only they
// import (the tape's helpers) then drops out too.
//
// Never reached in the worker: it runs kernels in production mode with the gradient tape off (no
// tf.grad, customGrad or variables), never profiles, and IS_TEST is false in a browser (the kernel
// memory-leak check). Pinned to tfjs-core 4.22 like the lite entry: a listed method that is missing
// fails the build, so an upgrade cannot pass silently.
import MagicString from 'magic-string';

/** Engine methods replaced: reachable only through gradients, variables, profiling, IS_TEST or an API the worker never calls. */
export const TRIMMED = [
  'gradients', // tf.grad, tf.grads, tf.valueAndGrad, optimizers
  'customGrad', // tf.customGrad
  'startTape', // gradients, customGrad
  'endTape',
  'getTensorsForGradient', // runKernelFunc, only with the tape on
  'saveTensorsForBackwardMode', // the same
  'addTapeNode', // the same
  'clone', // the tape's saved tensors
  'checkKernelForMemLeak', // runKernelFunc, only when IS_TEST
  'profile', // tf.profile
  'makeVariable', // tf.variable, tensor.variable()
  'readToGPU', // WebGL/WebGPU only
  'removeBackend', // tf.removeBackend
  'time', // tf.time
  'makeTensorFromDataId', // deprecated, for backends that build tensors themselves
  'disposeVariables', // tf.disposeVariables
  'disposeVariable', // Variable.dispose
  'ready', // tf.ready(): tf.ts awaits setBackend('cpu') instead
  'findBackend', // tf.findBackend
  'backendNames', // tf.engine().backendNames()
  'moveData', // a tensor's data on another backend: the worker registers one
  'reset', // tf.engine().reset(), tests of a whole tfjs only
  'disposeRegisteredKernels', // reset and removeBackend
  'nextVariableId', // variables
  'getSortedBackends', // the lazy pick of a backend (tf.ts sets one)
  'initializeBackendsAndReturnBest',
  'memory', // tf.memory()
  'read', // async reads: tensor.data() is trimmed
];

/** Tensor methods replaced: model.ts reads its results with dataSync() alone. */
export const TRIMMED_TENSOR = [
  'array',
  'arraySync',
  'bytes',
  'dataToGPU',
  'variable',
  'data', // async read: model.ts reads with dataSync()
  // the op handler's (tfjs-core-lite.js throws for these too): no op is bundled
  'buffer',
  'bufferSync',
  'print',
  'clone',
  'cast',
];

/** Variable methods replaced: no variable is ever made (engine.makeVariable is trimmed). */
export const TRIMMED_VARIABLE = ['assign', 'dispose'];

/**
 * Engine methods emptied: setupRegisteredKernels runs each kernel's setupFunc for a new backend; none of
 * edseg's kernels (src/core/tf-kernels.ts) has one.
 */
export const EMPTIED = ['setupRegisteredKernels'];

/** Tensor methods given a shorter body: the constructor, dispose, dataSync() of numbers (no string tensor). */
export const REPLACED_TENSOR = {
  // no strides or rankType (what reads them, tfjs's cpu kernels and op wrappers, is not in the worker:
  // edseg's kernels compute their own strides), no Keras mask to dispose
  constructor: `{
    this.kept = false;
    this.isDisposedInternal = false;
    this.shape = shape.slice();
    this.dtype = dtype || 'float32';
    this.size = util.sizeFromShape(shape);
    this.dataId = dataId;
    this.id = id;
  }`,
  dispose: `{
    if (this.isDisposed) return;
    trackerFn().disposeTensor(this);
    this.isDisposedInternal = true;
  }`,
  dataSync: `{
    this.throwIfDisposed();
    if (this.dtype === 'string') return __edsegUnused('tensor.dataSync() of strings');
    return trackerFn().readSync(this.dataId);
  }`,
};

/**
 * Environment methods replaced: the engine reads its flags with getBool() alone and sets the platform;
 * nothing in the worker reads flags asynchronously, by number or string, or replaces or resets them.
 */
export const TRIMMED_ENV = [
  'getAsync',
  'getNumber',
  'getString',
  'getFlags',
  'setFlags',
  'reset',
  'setPlatform', // no platform: the worker's tfjs reads none (tfjs-core-lite.js)
];

/**
 * Environment methods emptied (they run, and do nothing): populateURLFlags reads tfjs flag overrides
 * from the page's `?tfjsflags=` query; the worker's location is its own script (or blob:) URL, which
 * never carries one.
 */
export const EMPTIED_ENV = ['populateURLFlags'];

/**
 * Engine methods given a shorter body: runKernelFunc keeps only the path the worker takes, a registered
 * kernel run with the tape off, no profiling, DEBUG and IS_TEST false (tfjs-core 4.22's own steps for it:
 * the lazy backend, getKernel with its message, kernelDepth around the call, tensor infos made tensors).
 * The rest (customGrad's forwardFunc, tape bookkeeping, the profiler, the leak check) throws by name.
 */
export const REPLACED = {
  // a synchronous backend only (tf.ts's EdsegBackend): no pending init, no tf.ready() to wait for,
  // and set by tf.ts before any kernel runs (model.ts checks it is): no lazy pick of the best backend
  backend: `{
    return this.backendInstance ?? __edsegUnused('engine.backend before setBackend()');
  }`,
  initializeBackend: `{
    const entry = this.registryFactory[backendName];
    if (entry == null) throw new Error(\`Cannot initialize backend \${backendName}, no registration found.\`);
    let backend;
    try {
      backend = entry.factory();
    } catch (err) {
      log.warn(\`Initialization of backend \${backendName} failed\`);
      log.warn(err.stack || err.message);
      return { success: false, asyncInit: false };
    }
    if (backend && !(backend instanceof KernelBackend) && typeof backend.then === 'function')
      return __edsegUnused('engine.initializeBackend() of an asynchronous backend');
    this.registry[backendName] = backend;
    return { success: true, asyncInit: false };
  }`,
  // tidy(fn) as model.ts calls it: a named scope or a missing function throws by name
  tidy: `{
    if (fn != null || typeof nameOrFn !== 'function') return __edsegUnused('engine.tidy() other than tidy(fn)');
    let result;
    return this.scopedRun(() => this.startScope(null), () => this.endScope(result), () => (result = nameOrFn()));
  }`,
  // float32 tensors only (model.ts): no string encoding or byte count
  makeTensor: `{
    if (values == null) throw new Error('Values passed to engine.makeTensor() are null');
    dtype = dtype || 'float32';
    if (dtype === 'string') return __edsegUnused('engine.makeTensor() of strings');
    backend = backend || this.backend;
    const t = new Tensor(shape, dtype, backend.write(values, shape, dtype), this.nextTensorId());
    this.trackTensor(t, backend);
    return t;
  }`,
  runKernelFunc: `{
    if (!isRegisteredKernelInvocation(kernelParams) || this.isTapeOn() || this.state.profiling ||
        this.ENV.getBool('DEBUG') || this.shouldCheckForMemLeaks())
      return __edsegUnused('engine.runKernelFunc() beyond a registered kernel in production mode');
    const { kernelName, inputs, attrs } = kernelParams;
    if (this.backendName == null) this.backend;
    const kernel = getKernel(kernelName, this.backendName);
    util.assert(kernel != null, () => \`Cannot find registered kernel '\${kernelName}' for backend '\${this.backendName}'\`);
    let out, outputs;
    this.scopedRun(() => this.state.kernelDepth++, () => this.state.kernelDepth--, () => {
      out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
      outputs = (Array.isArray(out) ? out : [out]).map((o) => (o.rank != null ? o : this.makeTensorFromTensorInfo(o)));
    });
    return Array.isArray(out) ? outputs : outputs[0];
  }`,
};

/**
 * EngineState without the profile record or the data-move stack (profiling and moveData are trimmed), and
 * nothing to dispose (no variables).
 */
export const REPLACED_STATE = {
  constructor: `{
    this.registeredVariables = {};
    this.numBytes = this.numTensors = this.numStringTensors = this.numDataBuffers = 0;
    this.gradientDepth = this.kernelDepth = this.nextScopeId = 0;
    this.scopeStack = [];
    this.tensorInfo = new WeakMap();
    this.profiling = false;
  }`,
  dispose: '{}',
};

/** Environment: no URL flag overrides to read or apply when a flag is registered. */
export const REPLACED_ENV = {
  // every flag the worker registers is evaluated synchronously (tfjs-core-lite.js): no promise check
  get: `{
    if (flagName in this.flags) return this.flags[flagName];
    return (this.flags[flagName] = this.evaluateFlag(flagName));
  }`,
  // no getQueryParams (only populateURLFlags used it) and no URL flags to read
  constructor: `{
    this.global = global;
    this.flags = {};
    this.flagRegistry = {};
    this.urlFlags = {};
  }`,
  registerFlag: `{
    this.flagRegistry[flagName] = { evaluationFn, setHook };
  }`,
};

/**
 * KernelBackend's methods, which throw "not yet implemented" for a backend that lacks them: EdsegBackend
 * (src/core/tf-kernels.ts) has every one it is called with; the GPU ones are never called (no WebGL/WebGPU).
 */
export const TRIMMED_BACKEND = [
  'refCount',
  'incRef',
  'timerAvailable',
  'time',
  'read',
  'readSync',
  'readToGPU',
  'numDataIds',
  'disposeData',
  'write',
  'move',
  'createTensorFromGPUData',
  'memory',
  'floatPrecision',
  'dispose',
];

const dist = (file) => new RegExp(`[\\\\/]@tensorflow[\\\\/]tfjs-core[\\\\/]dist[\\\\/]${file}\\.js$`);
const CLASSES = [
  {
    file: dist('engine'),
    name: 'Engine',
    as: 'engine',
    methods: TRIMMED,
    replaced: REPLACED,
    emptied: EMPTIED,
  },
  { file: dist('engine'), name: 'EngineState', as: 'engine state', methods: [], replaced: REPLACED_STATE },
  { file: dist('tensor'), name: 'Tensor', as: 'tensor', methods: TRIMMED_TENSOR, replaced: REPLACED_TENSOR },
  { file: dist('backends/backend'), name: 'KernelBackend', as: 'backend', methods: TRIMMED_BACKEND },
  { file: dist('tensor'), name: 'Variable', as: 'variable', methods: TRIMMED_VARIABLE },
  {
    file: dist('environment'),
    name: 'Environment',
    as: 'env',
    methods: TRIMMED_ENV,
    emptied: EMPTIED_ENV,
    replaced: REPLACED_ENV,
  },
];

/** @param {{ stubs: string }} options `stubs`: the module exporting `unused(what)`. */
export function tfjsEngineTrim({ stubs }) {
  return {
    name: 'tfjs-engine-trim',
    transform(code, id) {
      const trims = CLASSES.filter((c) => c.file.test(id));
      if (trims.length === 0) return null;
      const body = this.parse(code).body.map((n) =>
        n.type === 'ExportNamedDeclaration' ? n.declaration : n,
      );
      const s = new MagicString(code);
      for (const trim of trims) {
        const cls = body.find((n) => n?.type === 'ClassDeclaration' && n.id?.name === trim.name);
        if (!cls) throw new Error(`tfjs-engine-trim: no class ${trim.name} in ${id}`);
        const emptied = new Set(trim.emptied);
        const replaced = new Map(Object.entries(trim.replaced ?? {}));
        const missing = new Set([...trim.methods, ...emptied, ...replaced.keys()]);
        for (const m of cls.body.body) {
          const name = m.key?.name;
          const kinds = replaced.has(name) ? ['method', 'get', 'constructor'] : ['method'];
          if (m.type !== 'MethodDefinition' || !kinds.includes(m.kind) || m.static || !missing.has(name))
            continue;
          missing.delete(name);
          if (replaced.has(name) || emptied.has(name))
            s.overwrite(m.value.body.start, m.value.body.end, replaced.get(name) ?? '{}');
          else s.remove(m.start, m.end);
        }
        // The trimmed methods, each a throw by name, set on the prototype from one list (one function, not one
        // body each: about 2 KB minified less).
        const names = trim.methods.join(' ');
        if (names)
          s.appendLeft(
            cls.end,
            `\n__edsegTrimmed(${trim.name}, ${JSON.stringify(trim.as)}, ${JSON.stringify(names)});`,
          );
        if (missing.size)
          throw new Error(
            `tfjs-engine-trim: ${trim.name} has no method ${[...missing].join(', ')} (tfjs-core changed?)`,
          );
      }
      s.prepend(
        `import { unused as __edsegUnused, trimmed as __edsegTrimmed } from ${JSON.stringify(stubs)};\n`,
      );
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}

/**
 * tfjs-core's internal property names (Engine, EngineState, Environment, Tensor), shortened by terser in
 * the worker's build only (rollup.config.mjs `mangle.properties`): the worker is one closed script, no
 * tfjs object crosses postMessage, IndexedDB or the wire, and edseg's own code (src/, worker/) uses none
 * of these names (test/unit/worker/tfjs-trim.test.ts checks it; `npm run size` checks none is left).
 * tfjs's public names (kernelFunc, dataId, shape, dtype, ...) are not listed and keep theirs.
 */
export const TFJS_INTERNAL = [
  'registryFactory',
  'pendingBackendInit',
  'pendingBackendInitId',
  'backendInstance',
  'activeScope',
  'scopeStack',
  'numDataMovesStack',
  'nextScopeId',
  'tensorInfo',
  'numStringTensors',
  'numDataBuffers',
  'kernelDepth',
  'gradientDepth',
  'activeProfile',
  'isDisposedInternal',
  'flagRegistry',
  'urlFlags',
  'evaluationFn',
  'setHook',
  'registeredVariables',
  'nextTapeNodeId',
  'profiling',
  'scopedRun',
  'startScope',
  'endScope',
  'trackTensor',
  'runKernelFunc',
  'makeTensorFromTensorInfo',
  'initializeBackend',
  'shouldCheckForMemLeaks',
  'isTapeOn',
  'throwIfDisposed',
  'evaluateFlag',
  'removeDataId',
  'disposeTensor',
];
/** The names above, exactly, as terser's `mangle.properties.regex`. */
export const TFJS_INTERNAL_RE = new RegExp(`^(?:${TFJS_INTERNAL.join('|')})$`);
