// Lingua Kids: the words the page uses for what edseg reports (purposes, reason and block codes,
// channels, event types, age bands). Plain data and one lookup, no DOM: Node imports it too
// (test/unit/repo/demo-reasons.test.ts checks every schema code has a sentence here).

/** The purposes, in the order the page lists them. */
export const PURPOSES = ['instruction', 'analytics', 'marketing', 'advertising'];

/** What each purpose means to a learner. */
export const PURPOSE_WORDS = {
  instruction: 'personalising your lessons',
  analytics: 'anonymous statistics for Lingua Kids',
  marketing: 'offers from Lingua Kids',
  advertising: 'ads',
};
/** The heading of each purpose's group in the learning profile. */
export const PURPOSE_TITLES = {
  instruction: 'For your lessons',
  analytics: 'For anonymous statistics',
  marketing: 'For offers from Lingua Kids',
  advertising: 'For ads',
};

/** One plain sentence per reason code (COMPLIANCE.md) and per block code (schema BLOCK_CODES). */
export const REASON_WORDS = {
  allowed: 'Your choices allow this.',
  'no-consent': 'You have not made your privacy choices yet, so nothing is saved, shared or sent.',
  'opted-out': 'You said no to this use of your data.',
  'site-not-allowed': 'Lingua Kids has not been allowed to receive this group on this site.',
  gpc: 'Your browser’s Global Privacy Control setting says no to ads and to selling or sharing your data.',
  'ferpa-education-record':
    'It would use your quiz results, which are school records: they are only used for learning, never for offers or ads.',
  'coppa-separate-consent':
    'Children’s data is never used for offers or ads without a parent’s separate, verified consent.',
  'coppa-parental-consent':
    'For a child (or when the age is not given), a parent’s verified consent or the school’s permission is needed first.',
  'no-basis': 'You have not agreed to this use, and no school permission covers it.',
  age: 'This group is only for older learners.',
  'manifest-missing': 'Lingua Kids’ group definitions have not loaded yet, so nothing is worked out.',
  'manifest-refused':
    'The group definitions failed a security check, so edseg refused them and shares nothing.',
  'origin-not-allowed': 'The group definitions are not meant for this website, so nothing is shared.',
  'site-mismatch': 'The group definitions are for another app, so nothing is shared.',
  'manifest-expired': 'The group definitions have expired, so nothing is shared until new ones arrive.',
  forgotten: 'Everything on this device was deleted.',
  'no-worker': 'This browser cannot run edseg’s on-device engine, so nothing is worked out or shared.',
  'worker-unavailable':
    'edseg’s on-device engine could not start on this page, so nothing is worked out or shared.',
  'worker-crashed': 'edseg’s on-device engine stopped working; reload the page to start it again.',
};

/** How each channel sends a group. */
export const CHANNEL_WORDS = {
  clear: 'sent as it is (your group’s name, no noise)',
  ldp: 'sent with random noise added on this device (local differential privacy)',
  none: 'not sent',
};

/** A label for each event type the page tracks. */
export const EVENT_WORDS = {
  session_start: 'Visits',
  lesson_start: 'Lessons started',
  lesson_complete: 'Lessons completed',
  quiz_answer: 'Quiz answers',
  quiz_complete: 'Quizzes finished',
  practice_session: 'Practice sessions',
  hint_used: 'Hints used',
};

/** Each age band in words. */
export const AGE_WORDS = {
  under13: 'under 13',
  teen: '13 to 17',
  adult: '18 or older',
  unknown: 'not given',
};

/** The sentence for a reason or block code (the code itself, in brackets, when there is none). */
export const reasonSentence = (code) => REASON_WORDS[code] ?? `(${code})`;
