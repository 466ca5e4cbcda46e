/** Events (host page -> client -> worker). Raw events never leave the device. */
import * as z from 'zod/mini';
import { Finite, Identifier, Text } from './atoms.js';
import { DECLARED_TEXT_MAX, MAX_PROPS, PROP_TEXT_MAX, PROP_VALUE_MESSAGE } from './checks.js';

export const PropValue = /* @__PURE__ */ z.union(
  [Finite, /* @__PURE__ */ Text(PROP_TEXT_MAX), /* @__PURE__ */ z.boolean()],
  {
    error: PROP_VALUE_MESSAGE,
  },
);
export type PropValue = z.infer<typeof PropValue>;

export const Props = /* @__PURE__ */ z
  .record(Identifier, PropValue)
  .check(/* @__PURE__ */ z.refine((p) => Object.keys(p).length <= MAX_PROPS, `at most ${MAX_PROPS} props`));
export type Props = z.infer<typeof Props>;

/** What `track(type, props)` accepts. */
export const EventInput = /* @__PURE__ */ z.strictObject({
  type: Identifier,
  props: /* @__PURE__ */ z.optional(Props),
  /** Milliseconds since the epoch; the client stamps it, tests may set it. */
  ts: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.number().check(/* @__PURE__ */ z.gte(0))),
});
export type EventInput = z.infer<typeof EventInput>;

/** A minimised event as the worker stores it (only props some feature reads). */
export const StoredEvent = /* @__PURE__ */ z.object({
  id: /* @__PURE__ */ z.optional(/* @__PURE__ */ z.int()),
  type: Identifier,
  ts: /* @__PURE__ */ z.number(),
  day: /* @__PURE__ */ z.int(),
  props: /* @__PURE__ */ z.record(/* @__PURE__ */ z.string(), PropValue),
});
export type StoredEvent = z.infer<typeof StoredEvent>;

/** Zero-party data the learner declares (e.g. { goal: 'exam' }); kept on the device. */
export const Declared = /* @__PURE__ */ z.record(Identifier, /* @__PURE__ */ Text(DECLARED_TEXT_MAX));
export type Declared = z.infer<typeof Declared>;

/**
 * A daily rollup: one row per (day, event type, prop). `prop` is '' for the row that counts the
 * events themselves; for a numeric or boolean prop the row holds count / sum / min / max of it.
 */
export const Rollup = /* @__PURE__ */ z.object({
  day: /* @__PURE__ */ z.int(),
  type: /* @__PURE__ */ z.string(),
  prop: /* @__PURE__ */ z.string(),
  count: /* @__PURE__ */ z.number(),
  sum: /* @__PURE__ */ z.number(),
  min: /* @__PURE__ */ z.number(),
  max: /* @__PURE__ */ z.number(),
});
export type Rollup = z.infer<typeof Rollup>;
