/**
 * edseg/activate with a fake segmenter (its `segments` events and explain() driven by the test) and
 * fake tools that record every call: which segments reach which destination, for which purposes,
 * under which consent; that withdrawal reaches them; that nothing else of edseg's does.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  activate,
  activateFromTag,
  amplitude,
  dataLayer,
  posthog,
  rudderstack,
  segment,
  type Destination,
} from '../../../src/activate/index.js';
import type { Segmenter } from '../../../src/core/protocol.js';
import type { Consent, Explanation, Purpose, ReleasedSegment } from '../../../src/core/schema.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

const SEGS: Record<string, ReleasedSegment> = {
  steady: { id: 'steady', name: 'Steady learner', purpose: 'instruction', manifestVersion: 3, model: 'pace' },
  engaged: { id: 'engaged', name: 'Engaged', purpose: 'analytics', manifestVersion: 3, model: 'eng' },
  upsell: { id: 'upsell', name: 'Upsell ready', purpose: 'marketing', manifestVersion: 3, model: 'mkt' },
};
const ADULT: Consent = { ageBand: 'adult', self: { purposes: ['instruction', 'analytics', 'marketing'] } };

/** A segmenter whose released set and consent the test sets; `emit` fires `segments` as the worker would. */
function fakeSegmenter(released: ReleasedSegment[] = [], consent: Consent | null = ADULT) {
  const state = { released, consent, blocked: undefined as Explanation['blocked'] };
  const listeners = new Set<(r: ReleasedSegment[]) => void>();
  const explain = vi.fn(
    async () =>
      ({
        consent: state.consent,
        blocked: state.blocked,
        segments: state.released.map((s) => ({ ...s, assigned: true, released: true, reasons: ['allowed'] })),
      }) as unknown as Explanation,
  );
  const seg = {
    ready: Promise.resolve(),
    on: (_e: 'segments', cb: (r: ReleasedSegment[]) => void) => void listeners.add(cb),
    off: (_e: 'segments', cb: (r: ReleasedSegment[]) => void) => void listeners.delete(cb),
    explain,
  } as unknown as Segmenter;
  const set = async (r: ReleasedSegment[], c: Consent | null = state.consent) => {
    state.released = r;
    state.consent = c;
    for (const cb of [...listeners]) cb(r);
    await tick();
  };
  return { seg, set, state, listeners, explain };
}

/** Fake tools recording every call, in the shapes of their public APIs. */
function tools() {
  const calls: Record<string, unknown[]> = { segment: [], posthog: [], rudderstack: [], amplitude: [] };
  class Identify {
    ops: [string, string, unknown?][] = [];
    set(k: string, v: unknown) {
      this.ops.push(['$set', k, v]);
      return this;
    }
    unset(k: string) {
      this.ops.push(['$unset', k]);
      return this;
    }
  }
  return {
    calls,
    analytics: { identify: (t: unknown) => calls.segment!.push(t) },
    ph: { setPersonProperties: (p: unknown) => calls.posthog!.push(p) },
    rudder: { identify: (t: unknown) => calls.rudderstack!.push(t) },
    amp: { Identify, identify: (i: Identify) => calls.amplitude!.push(i.ops) },
  };
}

afterEach(() => {
  delete (globalThis as { dataLayer?: unknown }).dataLayer;
});

describe('activate()', () => {
  it('hands each destination the released segments of its purposes, ids only, and follows changes', async () => {
    const f = fakeSegmenter([SEGS.steady!, SEGS.engaged!, SEGS.upsell!]);
    const t = tools();
    const layer: unknown[] = [];
    activate(f.seg, [
      dataLayer({ purposes: ['instruction'], dataLayer: layer }),
      segment(t.analytics, { purposes: ['instruction', 'analytics'] }),
      posthog(t.ph, { purposes: ['marketing'] }),
      rudderstack(t.rudder, { purposes: ['analytics'] }),
      amplitude(t.amp, { purposes: ['instruction'] }),
    ]);
    await tick();
    expect(layer).toEqual([{ event: 'edseg.segments', edseg: { segments: ['steady'] } }]);
    expect(t.calls.segment).toEqual([{ edseg_segments: ['steady', 'engaged'] }]);
    expect(t.calls.posthog).toEqual([{ edseg_segments: ['upsell'] }]);
    // RudderStack merges arrays index by index: unset first, so no withdrawn id stays behind.
    expect(t.calls.rudderstack).toEqual([{ edseg_segments: null }, { edseg_segments: ['engaged'] }]);
    expect(t.calls.amplitude).toEqual([[['$set', 'edseg_segments', ['steady']]]]);

    // The marketing segment goes away: only the tool declared for it hears; the others are unchanged.
    await f.set([SEGS.steady!, SEGS.engaged!]);
    expect(t.calls.posthog).toEqual([{ edseg_segments: ['upsell'] }, { edseg_segments: [] }]);
    expect(layer).toHaveLength(1);
    expect(t.calls.segment).toHaveLength(1);

    // Consent withdrawn: everything released goes, every destination receives the empty list or the unset.
    await f.set([], { ageBand: 'adult', optOut: ['instruction', 'analytics', 'marketing'] });
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: [] } });
    expect(t.calls.segment!.at(-1)).toEqual({ edseg_segments: [] });
    expect(t.calls.rudderstack!.slice(2)).toEqual([{ edseg_segments: null }]);
    expect(t.calls.amplitude!.at(-1)).toEqual([['$unset', 'edseg_segments']]);
    expect(t.calls.posthog).toHaveLength(2); // it had nothing left to withdraw
  });

  it('hands over only ids (and names when asked): no purpose, model, version, consent or reasons', async () => {
    const f = fakeSegmenter([SEGS.steady!]);
    const t = tools();
    const layer: unknown[] = [];
    activate(f.seg, [
      dataLayer({ purposes: ['instruction'], names: true, dataLayer: layer }),
      segment(t.analytics, { purposes: ['instruction'], names: true, trait: 'learner_segments' }),
    ]);
    await tick();
    expect(layer).toEqual([
      { event: 'edseg.segments', edseg: { segments: ['steady'], names: ['Steady learner'] } },
    ]);
    expect(t.calls.segment).toEqual([
      { learner_segments: ['steady'], learner_segments_names: ['Steady learner'] },
    ]);
    const text = JSON.stringify([layer, t.calls]);
    for (const secret of ['instruction', 'pace', '"3"', 'adult', 'allowed', 'manifestVersion'])
      expect(text).not.toContain(secret);
  });

  it('under 13: nothing flows without the parent consenting to disclosure to third parties for the purpose', async () => {
    const parental = { verified: true, purposes: ['instruction', 'analytics'] as Purpose[] };
    const child: Consent = { ageBand: 'under13', schoolAuthorized: true, parental };
    const f = fakeSegmenter([SEGS.steady!, SEGS.engaged!], child);
    const layer: unknown[] = [];
    activate(f.seg, [dataLayer({ purposes: ['instruction', 'analytics'], dataLayer: layer })]);
    await tick();
    expect(layer).toEqual([{ event: 'edseg.segments', edseg: { segments: [] } }]);
    // The parent consents to disclosure for instruction only: that segment flows, the other does not.
    await f.set([SEGS.steady!, SEGS.engaged!], {
      ...child,
      parental: { ...parental, thirdParty: ['instruction'] },
    });
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: ['steady'] } });
    // Unknown age is treated as under 13.
    await f.set([SEGS.steady!, SEGS.engaged!], { schoolAuthorized: true, parental });
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: [] } });
  });

  it('withdraws when the segmenter is blocked or explain() fails, and stops when asked', async () => {
    const f = fakeSegmenter([SEGS.steady!]);
    const layer: unknown[] = [];
    const stop = activate(f.seg, [dataLayer({ purposes: ['instruction'], dataLayer: layer })]);
    await tick();
    expect(layer).toHaveLength(1);
    f.state.blocked = 'manifest-expired';
    await f.set([SEGS.steady!]);
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: [] } });
    f.state.blocked = undefined;
    await f.set([SEGS.steady!]);
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: ['steady'] } });
    f.explain.mockRejectedValueOnce(new Error('worker-crashed'));
    await f.set([SEGS.steady!]);
    expect(layer.at(-1)).toEqual({ event: 'edseg.segments', edseg: { segments: [] } });
    stop();
    expect(f.listeners.size).toBe(0);
    await f.set([]);
    expect(layer).toHaveLength(4);
  });

  it('creates window.dataLayer when there is none, and pushes to the one GTM installed later', async () => {
    const f = fakeSegmenter([SEGS.steady!]);
    activate(f.seg, [dataLayer({ purposes: ['instruction'] })]);
    await tick();
    const g = globalThis as { dataLayer?: unknown[] };
    expect(g.dataLayer).toEqual([{ event: 'edseg.segments', edseg: { segments: ['steady'] } }]);
    g.dataLayer = ['gtm'];
    await f.set([]);
    expect(g.dataLayer).toEqual(['gtm', { event: 'edseg.segments', edseg: { segments: [] } }]);
  });

  it('refuses a missing or invalid purposes option, naming the field', () => {
    const t = tools();
    const bad: [() => unknown, string][] = [
      [() => dataLayer(undefined as never), 'options'],
      [() => dataLayer({} as never), 'options.purposes'],
      [() => segment(t.analytics, { purposes: [] }), 'options.purposes'],
      [() => posthog(t.ph, { purposes: ['instruction', 'ads' as Purpose] }), 'options.purposes.1'],
      [() => rudderstack(t.rudder, { purposes: ['analytics'], trait: 'a b' }), 'options.trait'],
      [() => amplitude(t.amp, { purposes: ['analytics'], extra: 1 } as never), 'options.extra'],
      [() => segment({} as never, { purposes: ['analytics'] }), 'analytics'],
      [() => amplitude({ identify() {} } as never, { purposes: ['analytics'] }), 'amplitude'],
    ];
    for (const [call, field] of bad)
      expect(call).toThrow(expect.objectContaining({ code: 'invalid-input', field }));
    expect(() => dataLayer({} as never)).toThrow(/options\.purposes is required/);
    const f = fakeSegmenter();
    expect(() => activate(f.seg, [])).toThrow(expect.objectContaining({ field: 'destinations' }));
    const forged = {
      kind: 'dataLayer',
      purposes: ['instruction'],
      names: false,
      deliver() {},
    } as Destination;
    expect(() => activate(f.seg, [forged])).toThrow(expect.objectContaining({ field: 'destinations.0' }));
    expect(() => activate({} as never, [dataLayer({ purposes: ['analytics'] })])).toThrow(
      expect.objectContaining({ field: 'segmenter' }),
    );
  });
});

describe("the script tag's activateFromTag", () => {
  it('activates the dataLayer for the purposes listed', async () => {
    const f = fakeSegmenter([SEGS.steady!, SEGS.engaged!]);
    expect(activateFromTag(f.seg, 'dataLayer', ' analytics ,')).toBeTypeOf('function');
    await tick();
    expect((globalThis as { dataLayer?: unknown[] }).dataLayer).toEqual([
      { event: 'edseg.segments', edseg: { segments: ['engaged'] } },
    ]);
  });

  it('warns once, clearly, and activates nothing without purposes or with a bad one', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = fakeSegmenter([SEGS.steady!]);
      expect(activateFromTag(f.seg, 'dataLayer', undefined)).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/data-activate-purposes is required.*nothing is activated/);
      expect(activateFromTag(f.seg, 'dataLayer', 'instruction,ads')).toBeNull();
      expect(warn.mock.calls[1]![0]).toMatch(/options\.purposes\.1/);
      expect(activateFromTag(f.seg, 'gtag', 'instruction')).toBeNull();
      expect(warn.mock.calls[2]![0]).toMatch(/"gtag"/);
      expect(warn).toHaveBeenCalledTimes(3);
      await tick();
      expect(f.listeners.size).toBe(0);
      expect((globalThis as { dataLayer?: unknown }).dataLayer).toBeUndefined();
    } finally {
      warn.mockRestore();
    }
  });
});
