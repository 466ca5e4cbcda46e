/* global EDSEG_SERVER, EDSEG_KEY */
import { createSegmenter } from 'edseg';

const seg = createSegmenter({
  site: 'lingua-kids',
  manifestUrl: `${EDSEG_SERVER}/v1/sites/lingua-kids/manifest`,
  collectorUrl: `${EDSEG_SERVER}/v1/reports`,
  publicKeys: [JSON.parse(EDSEG_KEY)],
});

const out = document.getElementById('segments');
seg.on('segments', (released) => {
  out.textContent = released.map((s) => s.name).join(', ') || 'none';
  out.dataset.state = 'received';
});
seg
  .setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } })
  .then(() => seg.track('lesson_complete', { lessonId: 'l1', minutes: 5 }));
