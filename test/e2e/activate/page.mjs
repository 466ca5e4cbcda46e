// The e2e page of activate.spec.ts, bundled by the spec with Vite (IIFE): the built edseg and
// edseg/activate (dist/), the real npm packages of four analytics tools, and a GTM-style dataLayer.
// Every tool's network goes to hosts the spec answers by route interception.
import { createSegmenter } from '../../../dist/edseg.mjs';
import {
  activate,
  amplitude as toAmplitude,
  dataLayer,
  posthog as toPosthog,
  rudderstack,
  segment,
} from '../../../dist/activate.mjs';
import { AnalyticsBrowser } from '@segment/analytics-next';
import posthog from 'posthog-js';
import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
import * as amplitude from '@amplitude/analytics-browser';

/** GTM-style: the page's dataLayer, its push wrapped as the tag manager wraps it, every push recorded. */
function tagManager() {
  const layer = (window.dataLayer = window.dataLayer || []);
  const pushed = [];
  const push = layer.push.bind(layer);
  layer.push = (...items) => {
    pushed.push(...items.map((i) => JSON.parse(JSON.stringify(i))));
    return push(...items);
  };
  layer.push({ 'gtm.start': Date.now(), event: 'gtm.js' });
  return pushed;
}

window.__startActivation = async (publicKey) => {
  const pushed = tagManager();
  const analytics = AnalyticsBrowser.load({
    writeKey: 'seg-write-key',
    cdnSettings: {
      integrations: { 'Segment.io': { apiKey: 'seg-write-key', apiHost: 'api.segment.io/v1' } },
    },
  });
  posthog.init('phc_e2e', {
    api_host: 'https://ph.e2e.example',
    autocapture: false,
    capture_pageview: false,
    capture_pageleave: false,
    disable_session_recording: true,
    disable_surveys: true,
    advanced_disable_flags: true,
    advanced_disable_decide: true,
    persistence: 'memory',
    request_batching: false,
    disable_compression: true,
    opt_out_useragent_filter: true,
  });
  const rudder = new RudderAnalytics();
  rudder.load('rs-write-key', 'https://rs.e2e.example', {
    configUrl: 'https://rs-config.e2e.example',
    logLevel: 'ERROR',
  });
  amplitude.init('amp-e2e-key', {
    serverUrl: 'https://amp.e2e.example/2/httpapi',
    autocapture: false,
    flushQueueSize: 1,
    flushIntervalMillis: 50,
    fetchRemoteConfig: false,
    logLevel: 0,
  });
  const seg = createSegmenter({
    site: 'lingua-kids',
    manifestUrl: '/v1/sites/lingua-kids/manifest',
    collectorUrl: '/v1/reports',
    publicKeys: [publicKey],
    workerUrl: '/edseg/edseg.worker.js',
  });
  const stop = activate(seg, [
    dataLayer({ purposes: ['instruction'] }),
    segment(analytics, { purposes: ['instruction', 'marketing'], names: true }),
    toPosthog(posthog, { purposes: ['marketing'] }),
    rudderstack(rudder, { purposes: ['instruction'] }),
    toAmplitude(amplitude, { purposes: ['instruction'] }),
  ]);
  window.__act = { seg, stop, pushed, analytics, posthog, rudder, amplitude };
  await seg.ready;
};
