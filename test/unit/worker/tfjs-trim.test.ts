// The worker build's trimmed tfjs-core Engine and Tensor (scripts/tfjs-trim.mjs): the worker's own entry
// (worker/tfjs-core-lite.js) bundled with the trim as rollup.config.mjs does, then assignment run through
// it, and every trimmed method failing by name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INPUTS, MODELS } from '../../fixtures/tfjs-models.js';
// @ts-expect-error: a plain .mjs build plugin, no declarations
import * as trim from '../../../scripts/tfjs-trim.mjs';

const {
  EMPTIED,
  EMPTIED_ENV,
  TFJS_INTERNAL,
  TFJS_INTERNAL_RE,
  TRIMMED,
  TRIMMED_BACKEND,
  TRIMMED_ENV,
  TRIMMED_TENSOR,
  TRIMMED_VARIABLE,
  tfjsEngineTrim,
} = trim as Record<
  | 'EMPTIED'
  | 'EMPTIED_ENV'
  | 'TFJS_INTERNAL'
  | 'TRIMMED'
  | 'TRIMMED_BACKEND'
  | 'TRIMMED_ENV'
  | 'TRIMMED_TENSOR'
  | 'TRIMMED_VARIABLE',
  string[]
> & { TFJS_INTERNAL_RE: RegExp; tfjsEngineTrim: (options: { stubs: string }) => import('rollup').Plugin };

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'edseg-trim-'));
const built = join(dir, 'tfjs-core-trimmed.mjs');

vi.mock('@tensorflow/tfjs-core', () => import(pathToFileURL(built).href));

type Tf = typeof import('@tensorflow/tfjs-core');
let tf: Tf;
let model: typeof import('../../../src/core/model.js');

beforeAll(async () => {
  const bundle = await rollup({
    input: join(root, 'worker/tfjs-core-lite.js'),
    plugins: [
      tfjsEngineTrim({ stubs: join(root, 'worker/tfjs-core-stubs.js') }),
      resolve({ browser: true, preferBuiltins: false }),
      commonjs(),
    ],
    onwarn: () => undefined,
  });
  await bundle.write({ file: built, format: 'es' });
  await bundle.close();
  tf = (await import('@tensorflow/tfjs-core')) as Tf;
  model = await import('../../../src/core/model.js');
  await (await import('../../../src/core/tf.js')).ready();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tfjs-core's Engine, trimmed for the worker", () => {
  it('runs assignment: the kernels through the trimmed engine, as the reference', () => {
    expect(tf.engine().constructor.name).toBe('Engine');
    expect(MODELS.map((m) => m.kind)).toEqual(['centroids', 'softmax', 'mlp']); // every kind
    for (const m of MODELS)
      for (const x of INPUTS) {
        const got = model.assign(m, x);
        const want = model.assignReference(m, x);
        expect(got.index).toBe(want.index);
        got.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i]!, 5));
      }
    // tf.memory() is trimmed: the engine's own count of live tensors
    expect((tf.engine() as unknown as { state: { numTensors: number } }).state.numTensors).toBe(0);
  });

  it('throws a named error from each trimmed method, and from the API that reaches one', async () => {
    const engine = tf.engine() as unknown as Record<string, (...a: unknown[]) => unknown>;
    // thrown, or (profile is async) rejected
    for (const name of TRIMMED as string[])
      await expect((async () => engine[name]!())(), name).rejects.toThrow(
        `edseg: engine.${name}() is not in the worker's TensorFlow.js build`,
      );
    // KernelBackend's own methods (EdsegBackend has its own of each it is called with)
    const kernelBackend = Object.getPrototypeOf(Object.getPrototypeOf(tf.engine().backend)) as Record<
      string,
      () => unknown
    >;
    expect(kernelBackend.constructor.name).toBe('KernelBackend');
    for (const name of TRIMMED_BACKEND as string[])
      expect(() => kernelBackend[name]!(), name).toThrow(
        `edseg: backend.${name}() is not in the worker's TensorFlow.js build`,
      );
    // none keeps a method body in the class: one shared function per name, set from the list
    for (const name of TRIMMED as string[]) expect(String(engine[name]), name).not.toMatch(/^(async )?\w+\(/);
    const x = tf.engine().makeTensor(new Float32Array([1]), [1], 'float32');
    const tensor = x as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of TRIMMED_TENSOR as string[])
      await expect((async () => tensor[name]!())(), name).rejects.toThrow(
        `edseg: tensor.${name}() is not in the worker's TensorFlow.js build`,
      );
    expect(Array.from(x.dataSync())).toEqual([1]);
    const variable = Object.create(tf.Variable.prototype) as Record<string, (...a: unknown[]) => unknown>;
    for (const name of TRIMMED_VARIABLE as string[])
      expect(() => variable[name]!(x), name).toThrow(
        `edseg: variable.${name}() is not in the worker's TensorFlow.js build`,
      );
    const env = tf.env() as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of TRIMMED_ENV as string[])
      await expect((async () => env[name]!('DEBUG'))(), name).rejects.toThrow(
        `edseg: env.${name}() is not in the worker's TensorFlow.js build`,
      );
    for (const name of EMPTIED_ENV as string[]) expect(env[name]!(), name).toBeUndefined();
    // setupRegisteredKernels is emptied: none of edseg's kernels has a setupFunc (or a disposeFunc) to run
    for (const name of EMPTIED as string[]) expect(engine[name]!(), name).toBeUndefined();
    const { KERNELS } = await import('../../../src/core/tf.js');
    expect(KERNELS.filter((k) => k.setupFunc != null || k.disposeFunc != null)).toEqual([]);
    // what the engine reads of its environment still answers
    expect(tf.env().getBool('PROD')).toBe(true);
    expect(tf.env().getBool('IS_TEST')).toBe(false);
    // runKernelFunc keeps the registered-kernel path only (REPLACED), with tfjs's own message for a missing kernel
    const run = (tf.engine() as unknown as { runKernelFunc(p: object): unknown }).runKernelFunc.bind(
      tf.engine(),
    );
    expect(() => run({ forwardFunc: () => x, inputs: { x }, attrs: {} })).toThrow(
      "edseg: engine.runKernelFunc() beyond a registered kernel in production mode is not in the worker's TensorFlow.js build",
    );
    expect(() => run({ kernelName: 'Exp', inputs: { x }, attrs: {} })).toThrow(
      "Cannot find registered kernel 'Exp' for backend 'cpu'",
    );
    const state = (tf.engine() as unknown as { state: { kernelDepth: number; numTensors: number } }).state;
    const before = state.numTensors;
    const y = run({ kernelName: 'Relu', inputs: { x }, attrs: {} }) as typeof x;
    expect([Array.from(y.dataSync()), state.kernelDepth, state.numTensors]).toEqual([[1], 0, before + 1]);
    y.dispose();
    expect(() => run({ kernelName: 'Reshape', inputs: { x }, attrs: { shape: [2] } })).toThrow(
      'cannot reshape',
    );
    expect(state.kernelDepth).toBe(0);
    // a tensor without strides or rankType (REPLACED); dispose() twice counts once
    const t = tf.engine().makeTensor(new Float32Array([1, 2]), [2], 'float32');
    expect(t).not.toHaveProperty('strides');
    expect(t).not.toHaveProperty('rankType');
    expect([t.shape, t.dtype, t.size, t.rank]).toEqual([[2], 'float32', 2, 1]);
    const live = (tf.engine() as unknown as { state: { numTensors: number } }).state;
    const n = live.numTensors;
    t.dispose();
    t.dispose();
    expect([live.numTensors, t.isDisposed]).toEqual([n - 1, true]);
    expect(() => t.dataSync()).toThrow('Tensor is disposed.');
    // tidy(fn) alone (REPLACED): it still disposes what it made but returned
    const kept = tf.tidy(() => {
      tf.engine().makeTensor(new Float32Array([2]), [1], 'float32');
      return tf.engine().makeTensor(new Float32Array([3]), [1], 'float32');
    });
    expect([Array.from(kept.dataSync()), kept.isDisposed]).toEqual([[3], false]);
    kept.dispose();
    expect(() => tf.tidy('named', () => x)).toThrow(
      "edseg: engine.tidy() other than tidy(fn) is not in the worker's TensorFlow.js build",
    );
    // makeTensor, initializeBackend, the backend getter (REPLACED): numbers and a synchronous backend only
    expect(() => tf.engine().makeTensor(['a'] as unknown as Float32Array, [1], 'string')).toThrow(
      "edseg: engine.makeTensor() of strings is not in the worker's TensorFlow.js build",
    );
    const cpu = tf.engine().backend;
    tf.registerBackend('edseg-async', () => Promise.resolve(cpu));
    tf.registerBackend('edseg-broken', () => {
      throw new Error('no');
    });
    try {
      await expect(tf.setBackend('edseg-async')).rejects.toThrow(
        "edseg: engine.initializeBackend() of an asynchronous backend is not in the worker's TensorFlow.js build",
      );
      await expect(tf.setBackend('edseg-broken')).resolves.toBe(false); // tfjs's warning is off in PROD
    } finally {
      await tf.setBackend('cpu');
    }
    expect([tf.getBackend(), tf.engine().backend.constructor.name]).toEqual(['cpu', 'EdsegBackend']);
    // a fresh engine has no backend until one is set: no lazy pick (tf.ts sets cpu before any kernel)
    const Engine = tf.engine().constructor as new (env: unknown) => { backend: unknown };
    expect(() => new Engine(tf.env()).backend).toThrow(
      "edseg: engine.backend before setBackend() is not in the worker's TensorFlow.js build",
    );
    // flags evaluate synchronously, once
    const evaluate = vi.fn(() => true);
    tf.env().registerFlag('EDSEG_TRIM_ONCE', evaluate);
    expect([
      tf.env().get('EDSEG_TRIM_ONCE'),
      tf.env().get('EDSEG_TRIM_ONCE'),
      evaluate.mock.calls.length,
    ]).toEqual([true, true, 1]);
    expect(() => tf.grad((t: typeof x) => t)(x)).toThrow('edseg: engine.gradients()');
    expect(() => tf.variable(x)).toThrow('edseg: engine.makeVariable()');
    x.dispose();
  });
});

describe("tfjs-core's engine state and environment, trimmed for the worker", () => {
  it('keeps no profile record or data-move stack, and registers flags plainly, sets no platform', () => {
    const state = (tf.engine() as unknown as { state: Record<string, unknown> }).state;
    expect(state).not.toHaveProperty('activeProfile');
    expect(state).not.toHaveProperty('numDataMovesStack');
    expect(state).toMatchObject({ kernelDepth: 0, gradientDepth: 0, profiling: false, scopeStack: [] });
    tf.env().registerFlag('EDSEG_TRIM_TEST', () => true);
    expect(tf.env().getBool('EDSEG_TRIM_TEST')).toBe(true);
    // no platform is set (what reads one, tfjs's fetch, clock and string codecs, is not in the build)
    expect((tf.env() as unknown as { platform: unknown }).platform).toBeUndefined();
    expect(Object.keys(tf.env())).not.toContain('getQueryParams');
  });
});

describe("the worker's tfjs-core flags (tfjs-core-lite.js)", () => {
  it('registers only the flags its engine reads, with tfjs-core defaults', async () => {
    // What the worker's bundle keeps of the lite entry: the engine and its environment (not every export,
    // whose IO handlers would import flags.js), run in a fresh process (tfjs keeps one engine per global).
    const entry = join(dir, 'flags-entry.mjs');
    writeFileSync(
      entry,
      `export { engine, env } from ${JSON.stringify(join(root, 'worker/tfjs-core-lite.js'))};\n`,
    );
    const bundle = await rollup({
      input: entry,
      plugins: [
        tfjsEngineTrim({ stubs: join(root, 'worker/tfjs-core-stubs.js') }),
        resolve({ browser: true, preferBuiltins: false }),
        commonjs(),
      ],
      onwarn: () => undefined,
    });
    const out = join(dir, 'flags.mjs');
    await bundle.write({ file: out, format: 'es' });
    await bundle.close();
    const probe = `const { env } = await import(${JSON.stringify(pathToFileURL(out).href)});
      const e = env(); console.log(JSON.stringify([Object.keys(e.flagRegistry).sort(), ['DEBUG', 'IS_TEST', 'PROD'].map((f) => e.getBool(f))]));`;
    const [names, values] = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' }),
    ) as [string[], boolean[]];
    expect(names).toEqual(['DEBUG', 'IS_TEST', 'PROD']);
    expect(values).toEqual([false, false, false]);
  }, 60_000);
});

describe("tfjs-core's internal names, shortened in the worker's build", () => {
  it("names no property of edseg's own code (src/, worker/), so nothing that crosses a boundary changes", () => {
    const files = (d: string): string[] =>
      readdirSync(join(root, d), { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name))
        .map((e) => join(e.parentPath, e.name));
    const used = [...files('src'), ...files('worker')].flatMap((f) => {
      // as a property: accessed, a key, a method or a member (comments and strings may say the word)
      const code = readFileSync(f, 'utf8');
      const member = (n: string) =>
        new RegExp(`\\.${n}\\b|[{,]\\s*${n}\\s*[:(?]|^\\s*(?:readonly\\s+|private\\s+)?${n}\\b`, 'm');
      return (TFJS_INTERNAL as string[]).filter((n) => member(n).test(code)).map((n) => `${n} in ${f}`);
    });
    expect(used).toEqual([]);
    // the trimmed methods are set on the prototypes by name (a string): terser must not shorten their calls
    const trimmed = [
      ...TRIMMED,
      ...TRIMMED_BACKEND,
      ...TRIMMED_TENSOR,
      ...TRIMMED_VARIABLE,
      ...TRIMMED_ENV,
    ] as string[];
    expect(trimmed.filter((n) => TFJS_INTERNAL_RE.test(n))).toEqual([]);
    // the regex matches the listed names exactly, never a longer or public one
    expect(TFJS_INTERNAL_RE.test('runKernelFunc')).toBe(true);
    for (const name of ['runKernel', 'kernelFunc', 'dataId', 'shape', 'dtype', 'tensorInfoX', 'state'])
      expect(TFJS_INTERNAL_RE.test(name), name).toBe(false);
  });
});

describe("tfjs-core's logger in the worker's build (tfjs-core-stubs.js)", () => {
  it('prints nothing, as tfjs does in the production mode tf.ts sets first', async () => {
    // @ts-expect-error: a plain .js module of the worker build, no declarations
    const stubs = (await import('../../../worker/tfjs-core-stubs.js')) as Record<
      string,
      (...a: unknown[]) => unknown
    >;
    const spies = (['warn', 'log'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      expect([stubs.warn!('x'), stubs.log!('y')]).toEqual([undefined, undefined]);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // tf.ts enables production mode before it registers anything with tfjs
    const tfTs = readFileSync(join(root, 'src/core/tf.ts'), 'utf8');
    expect(tfTs.indexOf('enableProdMode();')).toBeGreaterThan(0);
    expect(tfTs.indexOf('enableProdMode();')).toBeLessThan(tfTs.indexOf('registerKernel(k)'));
  });
});

describe("tfjs-core's global lookup in the worker's build (tfjs-core-stubs.js)", () => {
  it('is globalThis, with one singleton per key in its _tfGlobals map', async () => {
    // @ts-expect-error: a plain .js module of the worker build, no declarations
    const stubs = (await import('../../../worker/tfjs-core-stubs.js')) as {
      getGlobalNamespace(): unknown;
      getGlobal<T>(key: string, init: () => T): T;
    };
    expect(stubs.getGlobalNamespace()).toBe(globalThis);
    const init = vi.fn(() => ({ made: true }));
    const first = stubs.getGlobal('edsegTrimTest', init);
    expect(stubs.getGlobal('edsegTrimTest', init)).toBe(first);
    expect(init).toHaveBeenCalledTimes(1);
    expect(
      (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals.get('edsegTrimTest'),
    ).toBe(first);
  });
});
