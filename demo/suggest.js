// What the page does with the released segments: the next lesson it suggests. Plain logic, no DOM.
// Only released segments count (what consent and the site policy let this page see); with none, every
// learner gets the same suggestion, so a visitor can compare the two.

import { LESSONS } from './lessons.js';

/** @typedef {{ id: string, model?: string }} Released */
/** @typedef {{ kind: string, lessonId: string, title: string, text: string, note: string }} Suggestion */

/** The mastery model's segments, each with the lesson it leads to and why (src/server/demo/models.ts). */
const BY_MASTERY = {
  'needs-support': {
    lessonId: 'colours',
    title: (t) => `Review “${t}”, with a hint on every question`,
    text: 'Your recent quiz answers suggest a little more support: go over words you have met before moving on.',
  },
  'on-track': {
    lessonId: 'animals',
    title: (t) => `Next lesson: “${t}”`,
    text: 'You are on track: carry on with the next lesson in the course.',
  },
  'ready-for-challenge': {
    lessonId: 'greetings',
    title: (t) => `Challenge: “${t}”, whole phrases, no hints`,
    text: 'Your quiz answers are mostly right with few hints: try the hardest lesson and skip the hints.',
  },
};

/** The pace model's segments, each with a line about when and how long to study. */
const PACE_NOTES = {
  'steady-learner': 'You study on most days: keep the rhythm.',
  sprinter: 'Many lessons in a few days: a short practice session helps them stick.',
  drifting: 'Welcome back! A five-minute lesson is a good way to restart.',
  'just-starting': 'Short lessons on most days work best at the start.',
};

const GENERIC = {
  kind: 'generic',
  lessonId: 'colours',
  title: (t) => `Start with “${t}”`,
  text: 'Everyone sees this suggestion: your privacy choices keep your learning profile from this page, so it cannot adapt.',
};

/** The suggestion for a released list: by the mastery segment if there is one, else the generic one. */
export function suggestNext(released) {
  const list = Array.isArray(released) ? released : [];
  const mastery = list.find((s) => s.id in BY_MASTERY);
  const pace = list.find((s) => s.id in PACE_NOTES);
  const rule = mastery ? BY_MASTERY[mastery.id] : GENERIC;
  const lesson = LESSONS.find((l) => l.id === rule.lessonId) ?? LESSONS[0];
  return {
    kind: mastery ? mastery.id : 'generic',
    lessonId: lesson.id,
    title: rule.title(lesson.title),
    text: rule.text,
    note: pace ? PACE_NOTES[pace.id] : '',
  };
}
