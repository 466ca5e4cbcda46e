import { useEffect, useState } from 'react';

/**
 * The segments a Segmenter releases, kept current: [] until the first `segments` event, then each
 * released list as it changes. `received` tells "none released yet" from "not told yet".
 */
export function useSegments(seg) {
  const [state, setState] = useState({ segments: [], received: false });
  useEffect(() => {
    if (!seg) return undefined;
    let live = true;
    const onSegments = (segments) => live && setState({ segments, received: true });
    seg.on('segments', onSegments);
    seg.segments().then(onSegments, () => {});
    return () => {
      live = false;
      seg.off('segments', onSegments);
    };
  }, [seg]);
  return state;
}
