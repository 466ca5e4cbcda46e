/**
 * The one console warning of a start that leaves the page releasing nothing because of its setup: the
 * manifest refused. Composed here, in the worker, so the main-thread script adds only a console.warn of
 * the text it is handed (InitResult.warning; packages/edseg/README.md "Troubleshooting").
 */
import type { EngineConfig } from '../src/core/protocol.js';
import type { Refusal } from './manifest.js';

const PREFIX = '[edseg]';

/** The warning for a refused manifest (`refusal`: its reason and the verifier's message). */
export function setupWarning(
  refusal: Refusal,
  config: Pick<EngineConfig, 'site' | 'manifestUrl' | 'publicKeys'>,
  origin: string,
): string {
  const site = config.site;
  const head = `${PREFIX} nothing is released: the manifest from ${config.manifestUrl} was refused (${refusal.reason}): ${refusal.message}.`;
  switch (refusal.reason) {
    case 'origin-not-allowed':
      return (
        `${PREFIX} nothing is released: this page's origin ${origin} is not in site "${site}"'s origins ` +
        `(the manifest from ${config.manifestUrl}). Fix: add it, then publish: ` +
        `npx edseg-admin site origins ${site} --add ${origin} && npx edseg-admin publish ${site}` +
        ` (or the console's origins editor, then "Review and publish").`
      );
    case 'unknown-key': {
      const pinned = config.publicKeys.map((k) => `"${String((k as { kid?: unknown }).kid ?? '(no kid)')}"`);
      return (
        `${head} This page pins ${pinned.join(', ')}. Fix: pin every key GET /v1/keys of the collector ` +
        `answers (data-key / publicKeys take the whole JWKS).`
      );
    }
    case 'expired':
      return (
        `${head} The server re-signs every site before it expires: check that the server for site "${site}" runs, ` +
        `or publish the site again (npx edseg-admin publish ${site}).`
      );
    default:
      return head;
  }
}
