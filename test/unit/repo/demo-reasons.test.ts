import { describe, expect, it } from 'vitest';
import { BLOCK_CODES, REASON_CODES } from '../../../src/core/schema.js';

// The demo is plain browser JavaScript without types; its sentence table (demo/words.js) is a data
// module with no DOM access, so Node imports it as the browser does.
const { REASON_WORDS } = (await import(new URL('../../../demo/words.js', import.meta.url).href)) as {
  REASON_WORDS: Record<string, unknown>;
};

describe('the demo explains every reason code in its own words', () => {
  it.each([...REASON_CODES, ...BLOCK_CODES])('%s has a sentence', (code) => {
    const sentence = REASON_WORDS[code];
    expect(typeof sentence).toBe('string');
    expect((sentence as string).trim()).not.toBe('');
  });
});
