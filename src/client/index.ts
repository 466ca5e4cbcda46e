/** edseg: on-device learner segmentation with local differential privacy. */
export { createSegmenter } from './segmenter.js';
export type { Segmenter, SegmentsListener, ErrorListener, SegmenterEvent } from '../core/protocol.js';
export { EdsegError, type EdsegErrorCode } from '../core/errors.js';
export type {
  ConsentInput,
  Consent,
  Purpose,
  AgeBand,
  ReleasedSegment,
  Explanation,
  SegmentExplanation,
  DeviceExport,
  SegmenterOptions,
  PublicJwk,
  ReasonCode,
  Channel,
  Manifest,
} from '../core/schema.js';
// The build replaces the name; the source run as is (tests, tsx) reads 'dev'.
export const version: string = typeof __EDSEG_VERSION__ === 'string' ? __EDSEG_VERSION__ : 'dev';
