// The worker build's trim of tfjs-core's Engine and Tensor classes (rollup.config.mjs, issue 24): the
// methods the worker never reaches keep their names, their bodies become one call that throws "edseg:
// engine.<name>() is not in the worker's TensorFlow.js build" (tensor.<name>() for Tensor's;
// worker/tfjs-core-stubs.js `unused`). Rollup cannot drop a class's unused methods, and what only they
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
];

/** Tensor methods replaced: model.ts reads its results with dataSync() alone. */
export const TRIMMED_TENSOR = ['array', 'arraySync', 'bytes', 'dataToGPU', 'variable'];

const dist = (file) => new RegExp(`[\\\\/]@tensorflow[\\\\/]tfjs-core[\\\\/]dist[\\\\/]${file}\\.js$`);
const CLASSES = [
  { file: dist('engine'), name: 'Engine', as: 'engine', methods: TRIMMED },
  { file: dist('tensor'), name: 'Tensor', as: 'tensor', methods: TRIMMED_TENSOR },
];

/** @param {{ stubs: string }} options `stubs`: the module exporting `unused(what)`. */
export function tfjsEngineTrim({ stubs }) {
  return {
    name: 'tfjs-engine-trim',
    transform(code, id) {
      const trim = CLASSES.find((c) => c.file.test(id));
      if (!trim) return null;
      const cls = this.parse(code)
        .body.map((n) => (n.type === 'ExportNamedDeclaration' ? n.declaration : n))
        .find((n) => n?.type === 'ClassDeclaration' && n.id?.name === trim.name);
      if (!cls) throw new Error(`tfjs-engine-trim: no class ${trim.name} in ${id}`);
      const s = new MagicString(code);
      const missing = new Set(trim.methods);
      for (const m of cls.body.body) {
        const name = m.key?.name;
        if (m.type !== 'MethodDefinition' || m.kind !== 'method' || m.static || !missing.has(name)) continue;
        missing.delete(name);
        const what = JSON.stringify(`${trim.as}.${name}()`);
        s.overwrite(m.value.body.start, m.value.body.end, `{ return __edsegUnused(${what}); }`);
      }
      if (missing.size)
        throw new Error(
          `tfjs-engine-trim: ${trim.name} has no method ${[...missing].join(', ')} (tfjs-core changed?)`,
        );
      s.prepend(`import { unused as __edsegUnused } from ${JSON.stringify(stubs)};\n`);
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}
