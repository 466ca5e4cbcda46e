/** Events (host page -> client -> worker). Raw events never leave the device. */
import * as z from 'zod/mini';
import { Finite, Identifier, Text } from './atoms.js';
import { DECLARED_TEXT_MAX, MAX_PROPS, PROP_TEXT_MAX, PROP_VALUE_MESSAGE } from './checks.js';

export const PropValue = /* @__PURE__ */ z.union([Finite, Text(PROP_TEXT_MAX), z.boolean()], {
  error: PROP_VALUE_MESSAGE,
});
export type PropValue = z.infer<typeof PropValue>;

export const Props = /* @__PURE__ */ z
  .record(Identifier, PropValue)
  .check(z.refine((p) => Object.keys(p).length <= MAX_PROPS, `at most ${MAX_PROPS} props`));
export type Props = z.infer<typeof Props>;

/** What `track(type, props)` accepts. */
export const EventInput = /* @__PURE__ */ z.strictObject({
  type: Identifier,
  props: z.optional(Props),
  /** Milliseconds since the epoch; the client stamps it, tests may set it. */
  ts: z.optional(z.number().check(z.gte(0))),
});
export type EventInput = z.infer<typeof EventInput>;

/** A minimised event as the worker stores it (only props some feature reads). */
export const StoredEvent = /* @__PURE__ */ z.object({
  id: z.optional(z.int()),
  type: Identifier,
  ts: z.number(),
  day: z.int(),
  props: z.record(z.string(), PropValue),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/** Zero-party data the learner declares (e.g. { goal: 'exam' }); kept on the device. */
export const Declared = /* @__PURE__ */ z.record(Identifier, Text(DECLARED_TEXT_MAX));
export type Declared = z.infer<typeof Declared>;

/**
 * A daily rollup: one row per (day, event type, prop). `prop` is '' for the row that counts the
 * events themselves; for a numeric or boolean prop the row holds count / sum / min / max of it.
 */
export const Rollup = /* @__PURE__ */ z.object({
  day: z.int(),
  type: z.string(),
  prop: z.string(),
  count: z.number(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
});
export type Rollup = z.infer<typeof Rollup>;
