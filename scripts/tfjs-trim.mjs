// The worker build's trim of tfjs-core's Engine class (rollup.config.mjs, issue 24): the methods the
// worker never reaches keep their names, their bodies become one call that throws "edseg: engine.<name>()
// is not in the worker's TensorFlow.js build" (worker/tfjs-core-stubs.js `unused`). Rollup cannot drop
// a class's unused methods, and what only they import (the tape's helpers) then drops out too.
//
// Never reached in the worker: it runs kernels in production mode with the gradient tape off (no
// tf.grad, customGrad or variables), never profiles, and IS_TEST is false in a browser (the kernel
// memory-leak check). Pinned to tfjs-core 4.22 like the lite entry: a listed method that is missing
// fails the build, so an upgrade cannot pass silently.
import MagicString from 'magic-string';

/** Engine methods replaced, each only reachable through gradients, variables, profiling or IS_TEST. */
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
];

const ENGINE = /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]engine\.js$/;

/** @param {{ stubs: string }} options `stubs`: the module exporting `unused(what)`. */
export function tfjsEngineTrim({ stubs }) {
  return {
    name: 'tfjs-engine-trim',
    transform(code, id) {
      if (!ENGINE.test(id)) return null;
      const ast = this.parse(code);
      const engine = ast.body
        .map((n) => (n.type === 'ExportNamedDeclaration' ? n.declaration : n))
        .find((n) => n?.type === 'ClassDeclaration' && n.id?.name === 'Engine');
      if (!engine) throw new Error('tfjs-engine-trim: no class Engine in tfjs-core/dist/engine.js');
      const s = new MagicString(code);
      const missing = new Set(TRIMMED);
      for (const m of engine.body.body) {
        const name = m.key?.name;
        if (m.type !== 'MethodDefinition' || m.kind !== 'method' || m.static || !missing.has(name)) continue;
        missing.delete(name);
        const body = m.value.body;
        s.overwrite(body.start, body.end, `{ return __edsegUnused(${JSON.stringify(`engine.${name}()`)}); }`);
      }
      if (missing.size)
        throw new Error(
          `tfjs-engine-trim: Engine has no method ${[...missing].join(', ')} (tfjs-core changed?)`,
        );
      s.prepend(`import { unused as __edsegUnused } from ${JSON.stringify(stubs)};\n`);
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}
