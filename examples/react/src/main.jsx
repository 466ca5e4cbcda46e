import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createSegmenter } from 'edseg';
import { useSegments } from './useSegments.js';

const server = import.meta.env.VITE_EDSEG_SERVER ?? 'http://127.0.0.1:8787';

/** One Segmenter for the app (created once, closed when the app unmounts). */
function useSegmenter() {
  const [seg, setSeg] = useState(null);
  useEffect(() => {
    const s = createSegmenter({
      site: 'lingua-kids',
      manifestUrl: `${server}/v1/sites/lingua-kids/manifest`,
      collectorUrl: `${server}/v1/reports`,
      publicKeys: [JSON.parse(import.meta.env.VITE_EDSEG_KEY)],
    });
    setSeg(s);
    return () => void s.close();
  }, []);
  return seg;
}

function App() {
  const seg = useSegmenter();
  const { segments, received } = useSegments(seg);
  useEffect(() => {
    if (!seg) return;
    seg
      .setConsent({ ageBand: 'adult', self: { purposes: ['instruction'] } })
      .then(() => seg.track('lesson_complete', { lessonId: 'l1', minutes: 5 }), console.error);
  }, [seg]);
  return (
    <main>
      <h1>React</h1>
      <p>
        Released segments:{' '}
        <output id="segments" data-state={received ? 'received' : 'waiting'}>
          {received ? segments.map((s) => s.name).join(', ') || 'none' : 'none yet'}
        </output>
      </p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
