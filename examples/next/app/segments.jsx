'use client';
import { useEffect, useState } from 'react';
import { createSegmenter } from 'edseg';

/** The released segments, from a Segmenter started after hydration (effects never run on the server). */
export function Segments() {
  const [released, setReleased] = useState(null);
  useEffect(() => {
    const seg = createSegmenter({
      site: 'lingua-kids',
      manifestUrl: `${process.env.NEXT_PUBLIC_EDSEG_SERVER}/v1/sites/lingua-kids/manifest`,
      collectorUrl: `${process.env.NEXT_PUBLIC_EDSEG_SERVER}/v1/reports`,
      publicKeys: [JSON.parse(process.env.NEXT_PUBLIC_EDSEG_KEY)],
    });
    seg.on('segments', setReleased);
    seg
      .setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } })
      .then(() => seg.track('lesson_complete', { lessonId: 'l1', minutes: 5 }), console.error);
    return () => {
      seg.off('segments', setReleased);
      void seg.close();
    };
  }, []);
  return (
    <p>
      Released segments:{' '}
      <output id="segments" data-state={released ? 'received' : 'waiting'}>
        {released ? released.map((s) => s.name).join(', ') || 'none' : 'none yet'}
      </output>
    </p>
  );
}
