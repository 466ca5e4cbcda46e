// The benchmarks' pure helpers, the same code in Node (imported by lib.mjs under tsx) and in the
// browser (bundled into the store page by lib.mjs's storePage): medians and the demo's event stream.

/** The median of `xs`. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs the synchronous `fn` `warmup` times, then `samples` times: the median wall time in ms (no await per call). */
export function medianMsSync(fn: () => unknown, samples: number, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Runs `fn` `warmup` times, then `samples` times, and returns the median wall time in ms. */
export async function medianMs(fn: () => unknown, samples: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const DAY = 86_400_000;
const KINDS = [
  (i: number) => ({ type: 'lesson_complete', props: { lessonId: `l${i % 40}`, minutes: (i % 20) + 1 } }),
  (i: number) => ({ type: 'quiz_answer', props: { correct: i % 3 !== 0, seconds: (i % 30) + 2 } }),
  (i: number) => ({ type: 'practice_session', props: { minutes: (i % 25) + 5, items: i % 50 } }),
  () => ({ type: 'session_start', props: {} }),
  () => ({ type: 'hint_used', props: {} }),
];

/** The i-th of a stream of what the demo page tracks, over the `days` days up to `now` (1: the last hour). */
export function demoEvent(i: number, now: number, days: number) {
  const ts = days <= 1 ? now - (i % 3_600_000) : now - (i % days) * DAY - (i % 997);
  return { ...KINDS[i % KINDS.length]!(i), ts };
}
