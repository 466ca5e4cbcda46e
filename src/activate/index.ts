/**
 * `edseg/activate`: hands the released segments to the tools the page already runs, on the device,
 * only for the purposes each tool is declared for, and withdraws them when consent, the site's policy
 * or forget() does (COMPLIANCE.md "Disclosure to third parties"). Its own bundle (dist/activate.mjs),
 * never in the main one. A destination receives only segment ids (and names when its options ask):
 * the consent record and the explanation are read here, in memory, and never forwarded.
 */
import { EdsegError } from '../core/errors.js';
import { thirdPartyAllowed } from '../core/consent-rules.js';
import type { Segmenter } from '../core/protocol.js';
import type { Consent, Purpose, ReleasedSegment } from '../core/schema.js';
import { dataLayer, isDestination, type Delivery, type Destination } from './destinations.js';

export {
  amplitude,
  dataLayer,
  posthog,
  rudderstack,
  segment,
  type AmplitudeLike,
  type DataLayerOptions,
  type Delivery,
  type Destination,
  type DestinationOptions,
  type TraitOptions,
} from './destinations.js';

/** What activate() needs of a segmenter: its events and explain(). */
export type ActivatedSegmenter = Pick<Segmenter, 'on' | 'off' | 'explain' | 'ready'>;

type Released = Pick<ReleasedSegment, 'id' | 'name' | 'purpose'>;

/** What one destination receives for a released set under a consent record (pure). */
export function deliveryFor(
  dest: Destination,
  released: readonly Released[],
  consent: Consent | null,
): Delivery {
  const allowed = new Map<Purpose, boolean>();
  const ok = (p: Purpose) => {
    if (!allowed.has(p)) allowed.set(p, dest.purposes.includes(p) && thirdPartyAllowed(consent, p));
    return allowed.get(p)!;
  };
  const chosen = released.filter((s) => ok(s.purpose));
  const segments = chosen.map((s) => s.id);
  return dest.names ? { segments, names: chosen.map((s) => s.name) } : { segments };
}

/**
 * Starts forwarding: each destination receives the current list once the segmenter is ready, then
 * every change of it (an empty list when everything is withdrawn). Returns the function that stops it.
 */
export function activate(segmenter: ActivatedSegmenter, destinations: Destination[]): () => void {
  if (
    segmenter === null ||
    typeof segmenter !== 'object' ||
    typeof segmenter.on !== 'function' ||
    typeof segmenter.explain !== 'function'
  )
    throw new EdsegError(
      'invalid-input',
      'edseg/activate: activate(segmenter, destinations): segmenter must be what createSegmenter returns',
      'segmenter',
    );
  if (!Array.isArray(destinations) || destinations.length === 0)
    throw new EdsegError(
      'invalid-input',
      'edseg/activate: activate(segmenter, destinations): destinations must be a non-empty array',
      'destinations',
    );
  destinations.forEach((d, i) => {
    if (!isDestination(d))
      throw new EdsegError(
        'invalid-input',
        `edseg/activate: activate(segmenter, destinations): destinations.${i} must come from dataLayer(), segment(), posthog(), rudderstack() or amplitude()`,
        `destinations.${i}`,
      );
  });
  const dests = [...destinations];
  const last = new Map<Destination, string>();
  let stopped = false;
  let generation = 0;

  const send = (released: readonly Released[], consent: Consent | null) => {
    for (const d of dests) {
      const delivery = deliveryFor(d, released, consent);
      const key = JSON.stringify(delivery);
      if (last.get(d) === key) continue;
      last.set(d, key);
      try {
        d.deliver(delivery);
      } catch (e) {
        console.warn(`[edseg] activate: the ${d.kind} destination failed:`, e);
      }
    }
  };

  /** Reads the released set and the consent in force together, then hands each destination its part. */
  const refresh = (released?: readonly ReleasedSegment[]) => {
    if (stopped) return;
    const mine = ++generation;
    // Nothing released: nothing to check, and withdrawal must not wait for the worker (forget()).
    if (released?.length === 0) return send([], null);
    segmenter.explain().then(
      (x) => {
        if (stopped || mine !== generation) return;
        const shown = x.segments.filter((s) => s.released);
        send(x.blocked ? [] : shown, x.consent);
      },
      // No answer (the worker stopped or crashed): nothing can be vouched for, so nothing is handed over.
      () => !stopped && mine === generation && send([], null),
    );
  };
  const listener = (released: ReleasedSegment[]) => refresh(released);
  segmenter.on('segments', listener);
  Promise.resolve(segmenter.ready).then(
    () => refresh(),
    () => refresh([]),
  );
  return () => {
    stopped = true;
    segmenter.off('segments', listener);
  };
}

/**
 * The script tag's activation (src/client/script.ts loads this file beside edseg.js only when the tag
 * asks): `data-activate="dataLayer"` with `data-activate-purposes="instruction,…"` does
 * activate(segmenter, [dataLayer({ purposes })]) without code. A tag that names no purposes (or another
 * destination) activates nothing and says so once on the console.
 */
export function activateFromTag(
  segmenter: Segmenter,
  destination: string,
  purposes: string | undefined,
): (() => void) | null {
  const warn = (why: string) => {
    console.warn(`[edseg] data-activate: ${why}; nothing is activated`);
    return null;
  };
  if (destination.trim() !== 'dataLayer')
    return warn(`"${destination}" is not a destination the script tag knows (only "dataLayer")`);
  const list = (purposes ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (list.length === 0)
    return warn(
      'data-activate-purposes is required: the purposes the dataLayer is declared for, e.g. data-activate-purposes="instruction"',
    );
  try {
    return activate(segmenter, [dataLayer({ purposes: list as Purpose[] })]);
  } catch (e) {
    return warn(`data-activate-purposes: ${e instanceof EdsegError ? e.message : String(e)}`);
  }
}
