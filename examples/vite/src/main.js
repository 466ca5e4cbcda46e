import { createSegmenter } from 'edseg';

// VITE_EDSEG_SERVER: the reference server; VITE_EDSEG_KEY: its public JWK (JSON), pinned at build time.
const server = import.meta.env.VITE_EDSEG_SERVER ?? 'http://127.0.0.1:8787';
const seg = createSegmenter({
  site: 'lingua-kids',
  manifestUrl: `${server}/v1/sites/lingua-kids/manifest`,
  collectorUrl: `${server}/v1/reports`,
  publicKeys: [JSON.parse(import.meta.env.VITE_EDSEG_KEY)],
});

const out = document.getElementById('segments');
seg.on('segments', (released) => {
  out.textContent = released.map((s) => s.name).join(', ') || 'none';
  out.dataset.state = 'received';
});
await seg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } });
seg.track('lesson_complete', { lessonId: 'l1', minutes: 5 });
