/**
 * The manifest request, alone so that the worker's start (start.ts) sends it before the engine is
 * loaded: no zod, no JOSE here.
 */
import type { EngineConfig } from '../src/core/protocol.js';

/** The manifest request's options: no HTTP cache, no cookies, no referrer (and no headers at all). */
const MANIFEST_FETCH: RequestInit = {
  cache: 'no-store',
  credentials: 'omit',
  referrerPolicy: 'no-referrer',
};

/**
 * The manifest's JWS as the server answers it, or null when it cannot be fetched. Nothing that could
 * tag the device: no cookie, no referrer, no HTTP cache (so no validator the server chose is replayed,
 * also before consent), and no If-None-Match of ours. The refresh sends exactly this request again.
 */
export async function fetchJws(
  config: Pick<EngineConfig, 'manifestUrl'>,
  deps: { fetch: typeof fetch },
): Promise<string | null> {
  try {
    const res = await deps.fetch(config.manifestUrl, MANIFEST_FETCH);
    return res.status === 200 ? (await res.text()).trim() : null;
  } catch {
    return null;
  }
}
