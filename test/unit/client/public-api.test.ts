/**
 * Type tests: the exact public API of packages/edseg/README.md "API", "Configuration" and "Consent", as 'edseg' exports
 * it (src/client/index.ts), and the types derived from the one Segmenter interface (the worker
 * protocol, the e2e window). Checked by `tsc -p tsconfig.json` (npm run typecheck); at run time
 * expectTypeOf does nothing, so each test only passes.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as Edseg from '../../../src/client/index.js';
import type {
  AgeBand,
  Channel,
  ConsentInput,
  DeviceExport,
  EdsegError,
  EdsegErrorCode,
  Explanation,
  PublicJwk,
  Purpose,
  ReleasedSegment,
  SegmentExplanation,
  Segmenter,
  SegmenterEvent,
  SegmenterOptions,
  SegmentsListener,
  createSegmenter,
} from '../../../src/client/index.js';
import type {
  DebugListener,
  EngineApi,
  EngineConfig,
  ErrorListener,
  InitResult,
  TimedEvent,
} from '../../../src/core/protocol.js';
import type { BatchId, BlockCode, Declared, ReasonCode } from '../../../src/core/schema.js';

type TrackProps = Record<string, number | string | boolean>;
type FlushResult = { sent: number; pending: number };

describe("'edseg' (packages/edseg/README.md API)", () => {
  it('exports exactly createSegmenter, EdsegError and version as values', () => {
    expectTypeOf<keyof typeof Edseg>().toEqualTypeOf<'createSegmenter' | 'EdsegError' | 'version'>();
    expectTypeOf<(typeof Edseg)['version']>().toEqualTypeOf<string>();
  });

  it('createSegmenter takes the options of packages/edseg/README.md "Configuration" and returns a Segmenter', () => {
    expectTypeOf<typeof createSegmenter>().parameters.toEqualTypeOf<[options: SegmenterOptions]>();
    expectTypeOf<typeof createSegmenter>().returns.toEqualTypeOf<Segmenter>();
    expectTypeOf<SegmenterOptions>().toEqualTypeOf<{
      site: string;
      manifestUrl: string;
      collectorUrl: string;
      publicKeys: PublicJwk[];
      workerUrl?: string;
      consent?: ConsentInput;
      timeoutMs?: number;
      reportIntervalMs?: number;
      manifestRefreshMs?: number;
      maxEpsilonPerReport?: number;
      maxEpsilonWindow?: number;
      debug?: boolean;
    }>();
    expectTypeOf<{ kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string }>().toExtend<PublicJwk>();
  });

  it('a Segmenter is exactly the documented methods, and ready', () => {
    expectTypeOf<keyof Segmenter>().toEqualTypeOf<
      | 'track'
      | 'declare'
      | 'setConsent'
      | 'segments'
      | 'on'
      | 'off'
      | 'explain'
      | 'flush'
      | 'exportData'
      | 'forget'
      | 'close'
      | 'ready'
    >();
    expectTypeOf<Segmenter>().toEqualTypeOf<{
      track(type: string, props?: TrackProps): void;
      declare(prefs: Record<string, string>): void;
      setConsent(consent: ConsentInput): Promise<void>;
      segments(): Promise<ReleasedSegment[]>;
      on(event: 'segments', cb: (released: ReleasedSegment[]) => void): void;
      on(event: 'error', cb: (error: EdsegError) => void): void;
      off(event: 'segments', cb: (released: ReleasedSegment[]) => void): void;
      off(event: 'error', cb: (error: EdsegError) => void): void;
      explain(): Promise<Explanation>;
      flush(): Promise<FlushResult>;
      exportData(): Promise<DeviceExport>;
      forget(): Promise<void>;
      close(): Promise<void>;
      readonly ready: Promise<void>;
    }>();
  });

  it('track(type, props?) returns nothing (it throws synchronously on invalid input)', () => {
    expectTypeOf<Segmenter['track']>().parameters.toEqualTypeOf<[type: string, props?: TrackProps]>();
    expectTypeOf<Segmenter['track']>().returns.toEqualTypeOf<void>();
  });

  it('declare(prefs) takes string preferences and returns nothing', () => {
    expectTypeOf<Segmenter['declare']>().parameters.toEqualTypeOf<[prefs: Record<string, string>]>();
    expectTypeOf<Segmenter['declare']>().returns.toEqualTypeOf<void>();
  });

  it('setConsent(record) takes the ConsentInput of packages/edseg/README.md "Consent"', () => {
    expectTypeOf<Segmenter['setConsent']>().parameters.toEqualTypeOf<[consent: ConsentInput]>();
    expectTypeOf<Segmenter['setConsent']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Purpose>().toEqualTypeOf<'instruction' | 'analytics' | 'marketing' | 'advertising'>();
    expectTypeOf<AgeBand>().toEqualTypeOf<'under13' | 'teen' | 'adult' | 'unknown'>();
    expectTypeOf<ConsentInput>().toEqualTypeOf<{
      ageBand?: 'under13' | 'teen' | 'adult' | 'unknown';
      schoolAuthorized?: boolean;
      parental?: {
        verified: boolean;
        method?: string;
        at?: string;
        purposes: Purpose[];
        thirdParty?: Purpose[];
      };
      self?: { purposes: Purpose[]; at?: string };
      optOut?: Purpose[];
    }>();
  });

  it('segments() resolves with { id, name, purpose, manifestVersion, model }[]', () => {
    expectTypeOf<Segmenter['segments']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['segments']>().returns.toEqualTypeOf<Promise<ReleasedSegment[]>>();
    expectTypeOf<ReleasedSegment>().toEqualTypeOf<{
      id: string;
      name: string;
      purpose: Purpose;
      manifestVersion: number;
      model: string;
    }>();
  });

  it("on/off('segments', cb) take a listener of the released list, on/off('error', cb) one of an EdsegError", () => {
    expectTypeOf<SegmenterEvent>().toEqualTypeOf<'segments' | 'error'>();
    expectTypeOf<SegmentsListener>().toEqualTypeOf<(released: ReleasedSegment[]) => void>();
    expectTypeOf<ErrorListener>().toEqualTypeOf<(error: EdsegError) => void>();
    // (an overloaded method's parameters: one tuple per overload)
    expectTypeOf<Segmenter['on']>().parameters.toEqualTypeOf<
      [event: 'segments', cb: SegmentsListener] | [event: 'error', cb: ErrorListener]
    >();
    expectTypeOf<Segmenter['on']>().returns.toEqualTypeOf<void>();
    expectTypeOf<Segmenter['off']>().parameters.toEqualTypeOf<
      [event: 'segments', cb: SegmentsListener] | [event: 'error', cb: ErrorListener]
    >();
    expectTypeOf<Segmenter['off']>().returns.toEqualTypeOf<void>();
  });

  it('explain() gives per segment assigned, released, channel, reasons; and the budget spent and its cap', () => {
    expectTypeOf<Segmenter['explain']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['explain']>().returns.toEqualTypeOf<Promise<Explanation>>();
    expectTypeOf<Explanation['segments']>().toEqualTypeOf<SegmentExplanation[]>();
    expectTypeOf<Channel>().toEqualTypeOf<'clear' | 'ldp' | 'none'>();
    expectTypeOf<SegmentExplanation>().toMatchObjectType<{
      assigned: boolean;
      released: boolean;
      channel: Channel;
      reasons: (ReasonCode | BlockCode)[];
    }>();
    expectTypeOf<Explanation['budget']>().toMatchObjectType<{ spent: number; cap: number }>();
  });

  it('flush() resolves with { sent, pending }', () => {
    expectTypeOf<Segmenter['flush']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['flush']>().returns.toEqualTypeOf<Promise<FlushResult>>();
  });

  it('exportData() resolves with everything stored on the device', () => {
    expectTypeOf<Segmenter['exportData']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['exportData']>().returns.toEqualTypeOf<Promise<DeviceExport>>();
    expectTypeOf<
      | 'events'
      | 'rollups'
      | 'consent'
      | 'manifest'
      | 'outbox'
      | 'budget'
      | 'audit'
      | 'decision'
      | 'rollupRevision'
    >().toExtend<keyof DeviceExport>();
  });

  it('forget(), close() and ready resolve with nothing', () => {
    expectTypeOf<Segmenter['forget']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['forget']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Segmenter['close']>().parameters.toEqualTypeOf<[]>();
    expectTypeOf<Segmenter['close']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Segmenter['ready']>().toEqualTypeOf<Promise<void>>();
  });

  it('EdsegError is an Error with code and field; its codes are exactly the documented ones', () => {
    expectTypeOf<EdsegError>().toExtend<Error>();
    expectTypeOf<Pick<EdsegError, 'code' | 'field' | 'message'>>().toEqualTypeOf<{
      readonly code: EdsegErrorCode;
      readonly field: string | undefined;
      message: string;
    }>();
    expectTypeOf<(typeof Edseg)['EdsegError']>().constructorParameters.toEqualTypeOf<
      [code: EdsegErrorCode, message: string, field?: string]
    >();
    expectTypeOf<(typeof Edseg)['EdsegError']>().instance.toEqualTypeOf<EdsegError>();
    // packages/edseg/README.md's codes (test/unit/core/errors.test.ts pins the README's list to EDSEG_ERROR_CODES).
    type Documented =
      'invalid-input' | 'worker-timeout' | 'worker-crashed' | 'worker-unavailable' | 'closed' | 'forgotten';
    expectTypeOf<EdsegErrorCode>().toEqualTypeOf<Documented>();
  });
});

describe('types derived from Segmenter', () => {
  it('the engine answers the forwarded calls exactly as the Segmenter does', () => {
    expectTypeOf<EngineApi['setConsent']>().toEqualTypeOf<Segmenter['setConsent']>();
    expectTypeOf<EngineApi['segments']>().toEqualTypeOf<Segmenter['segments']>();
    expectTypeOf<EngineApi['explain']>().toEqualTypeOf<Segmenter['explain']>();
    expectTypeOf<EngineApi['flush']>().toEqualTypeOf<Segmenter['flush']>();
    expectTypeOf<EngineApi['exportData']>().toEqualTypeOf<Segmenter['exportData']>();
    expectTypeOf<EngineApi['forget']>().toEqualTypeOf<Segmenter['forget']>();
    expectTypeOf<EngineApi['close']>().toEqualTypeOf<Segmenter['close']>();
  });

  it('the engine differs only in init (createSegmenter, ready), ingest (track), online, earlyReleased and an awaited declare', () => {
    expectTypeOf<Exclude<keyof EngineApi, keyof Segmenter>>().toEqualTypeOf<
      'init' | 'ingest' | 'online' | 'earlyReleased'
    >();
    expectTypeOf<Exclude<keyof Segmenter, keyof EngineApi>>().toEqualTypeOf<
      'track' | 'on' | 'off' | 'ready'
    >();
    expectTypeOf<EngineApi['init']>().toEqualTypeOf<
      (config: EngineConfig, onSegments: SegmentsListener, onDebug?: DebugListener) => Promise<InitResult>
    >();
    expectTypeOf<EngineApi['ingest']>().toEqualTypeOf<
      (events: TimedEvent[], batch?: BatchId) => Promise<void>
    >();
    expectTypeOf<EngineApi['online']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<Declared>().toEqualTypeOf<Parameters<Segmenter['declare']>[0]>();
    expectTypeOf<EngineApi['declare']>().toEqualTypeOf<(prefs: Declared) => Promise<void>>();
  });

  it("the e2e window's edseg is the Segmenter plus 'edseg''s values (test/e2e/helpers.ts)", () => {
    expectTypeOf<Pick<Window['edseg'], keyof Segmenter>>().toEqualTypeOf<Segmenter>();
    expectTypeOf<Window['edseg']['createSegmenter']>().toEqualTypeOf<typeof createSegmenter>();
    expectTypeOf<Window['__newSegmenter']>().returns.toEqualTypeOf<Segmenter>();
  });
});
