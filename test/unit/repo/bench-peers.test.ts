/**
 * The peers bench's pure helpers (scripts/bench/peers/core.ts): medians of a subject's rounds, the
 * per-engine table, and the /proc reading behind the main-thread busy time (which processes are an
 * engine's content processes, which descend from the bench, and the CPU time between two samples).
 */
import { describe, expect, it } from 'vitest';
import {
  cpuDelta,
  descendantsOf,
  isContentProcess,
  peersTable,
  summarise,
  type Round,
} from '../../../scripts/bench/peers/core.js';

const round = (readyMs: number, perCallUs: number, busyMs: number, heapBytes: number | null): Round => ({
  readyMs,
  perCallUs,
  busyMs,
  heapBytes,
});

describe('summarise', () => {
  it('takes the median of every figure', () => {
    const s = summarise([round(30, 3, 300, 3e6), round(10, 1, 100, 1e6), round(20, 2, 200, 2e6)]);
    expect(s).toEqual({ rounds: 3, readyMs: 20, perCallUs: 2, busyMs: 200, heapBytes: 2e6 });
  });

  it('reports no heap when a round could not measure it, and refuses no rounds', () => {
    expect(summarise([round(1, 1, 1, 5), round(1, 1, 1, null)]).heapBytes).toBeNull();
    expect(() => summarise([])).toThrow(/no rounds/);
  });
});

describe('peersTable', () => {
  const baseline = summarise([round(50, 2, 10, 0)]);
  const table = peersTable(
    [
      { label: 'echo', bytes: null, summary: baseline },
      { label: 'sdk', bytes: 2048, summary: summarise([round(120.4, 4000, 6820, 5 * 1_048_576)]) },
      { label: 'other', bytes: 512, summary: summarise([round(80, 1, 5, null)]) },
    ],
    baseline,
  );
  const lines = table.split('\n');

  it('has a header, an aligned rule and a row per subject', () => {
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\| subject \| bytes, gzip -9 \| navigation to ready \|/);
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: |');
  });

  it('prints the figures with their ratio to the baseline, and n/a for an unmeasured heap', () => {
    expect(lines[2]).toBe('| echo | - | 50 ms | 2.0 µs (1.00x) | 10 ms (1.00x) | 0.0 MiB |');
    expect(lines[3]).toBe('| sdk | 2.0 KiB | 120 ms | 4,000 µs (2,000x) | 6,820 ms (682x) | 5.0 MiB |');
    expect(lines[4]).toBe('| other | 0.5 KiB | 80 ms | 1.0 µs (0.50x) | 5 ms (0.50x) | n/a |');
  });
});

describe('the main-thread CPU time from /proc', () => {
  it('knows each engine’s content processes, and none of their other processes', () => {
    const nul = (...a: string[]) => a.join('\0');
    expect(isContentProcess('/usr/lib/chromium/chromium --type=renderer --crashpad-handler-pid=0')).toBe(
      true,
    );
    expect(isContentProcess('/usr/lib/chromium/chromium --type=renderer --top-chrome-webui')).toBe(false);
    expect(isContentProcess(nul('/usr/lib/chromium/chromium', '--type=gpu-process'))).toBe(false);
    expect(
      isContentProcess(nul('/usr/lib/firefox-esr/firefox-esr', '-contentproc', '-isForBrowser', '8', 'tab')),
    ).toBe(true);
    expect(isContentProcess(nul('/usr/lib/firefox-esr/firefox-esr', '-contentproc', '3', 'socket'))).toBe(
      false,
    );
    expect(
      isContentProcess(nul('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebProcess', '7', '31')),
    ).toBe(true);
    expect(isContentProcess(nul('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitNetworkProcess', '7'))).toBe(
      false,
    );
  });

  it('walks the whole tree under the root, and nothing beside it', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 11],
      [20, 1],
      [21, 20],
    ]);
    expect([...descendantsOf(parents, 10)].sort()).toEqual([11, 12, 13]);
    expect(descendantsOf(parents, 12).size).toBe(0);
  });

  it('sums the run time of the processes present in both samples', () => {
    const before = new Map([
      [1, 100],
      [2, 1_000],
      [3, 50],
    ]);
    const after = new Map([
      [1, 400],
      [2, 1_000],
      [4, 9_999],
    ]);
    expect(cpuDelta(before, after)).toBe(300);
  });
});
