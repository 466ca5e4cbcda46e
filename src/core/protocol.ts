/**
 * The page <-> worker protocol: the engine's interface, exposed with comlink. Types only.
 * The page never holds learner data beyond what it forwards; the worker owns all state.
 */
import type {
  ConsentInput,
  Declared,
  DeviceExport,
  EngineConfig,
  EventInput,
  Explanation,
  ReleasedSegment,
} from './schema.js';

export type TimedEvent = EventInput & { ts: number };

export type { EngineConfig } from './schema.js';

export type InitResult = { manifestVersion: number | null; persisted: boolean };

/** Must hold: every method resolves only after its effect is durable where consent allows persistence. */
export interface EngineApi {
  init(config: EngineConfig, onSegments: (released: ReleasedSegment[]) => void): Promise<InitResult>;
  ingest(events: TimedEvent[]): Promise<void>;
  declare(prefs: Declared): Promise<void>;
  setConsent(consent: ConsentInput): Promise<void>;
  segments(): Promise<ReleasedSegment[]>;
  explain(): Promise<Explanation>;
  flush(): Promise<{ sent: number; pending: number }>;
  exportData(): Promise<DeviceExport>;
  forget(): Promise<void>;
  close(): Promise<void>;
}
