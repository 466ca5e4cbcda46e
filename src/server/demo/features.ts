/**
 * The demo site `lingua-kids`'s engagement features. The site is a language-learning app for
 * children and teens; its manifest is the product's showcase, so every choice below is written
 * down where a reviewer reads it.
 *
 * Event vocabulary of the site (what the demo page tracks):
 *   session_start {}                      lesson_start { lessonId }
 *   lesson_complete { lessonId, minutes }  quiz_answer { correct: boolean, seconds }
 *   quiz_complete { score 0-100 }          practice_session { minutes, items }
 *   hint_used {}                           declared pref goal: exam | travel | fun | school
 *
 * Data minimisation follows from the features: lessonId, seconds, items and score are read by no
 * feature, so the SDK never stores them.
 */
import type { FeatureSpec } from '../../core/schema.js';

const ACTIVITY = ['session_start', 'lesson_complete', 'practice_session', 'quiz_answer'];
const minmax = { kind: 'minmax' } as const;

/** The eight engagement features, in the manifest's (and the feature vector's) order. */
export const SEED_FEATURES: FeatureSpec[] = [
  {
    name: 'lessons_7d',
    kind: 'count',
    events: ['lesson_complete'],
    windowDays: 7,
    transform: 'log1p',
    // log1p(19) ~ 3: a score of 1 means about 19 lessons a week; log1p tells 0 from 3 apart more than 15 from 18
    clip: [0, 3],
    normalisation: minmax,
    educationRecord: false,
    description:
      'Lessons completed in the last 7 days, log1p-scaled; about 19 lessons or more count as the maximum.',
  },
  {
    name: 'practice_minutes_14d',
    kind: 'sum',
    events: ['practice_session'],
    prop: 'minutes',
    windowDays: 14,
    transform: 'sqrt',
    clip: [0, 15],
    normalisation: minmax,
    educationRecord: false,
    description:
      'Minutes of free practice in the last 14 days, square-root scaled; 225 minutes or more count as the maximum.',
  },
  {
    name: 'active_days_14d',
    kind: 'distinctDays',
    events: ACTIVITY,
    windowDays: 14,
    transform: 'none',
    clip: [0, 14],
    normalisation: minmax,
    educationRecord: false,
    description: 'Days in the last 14 with a session, a lesson, practice or a quiz answer.',
  },
  {
    name: 'days_since_active',
    kind: 'recencyDays',
    events: ACTIVITY,
    windowDays: 30,
    transform: 'none',
    clip: [0, 30],
    normalisation: minmax,
    educationRecord: false,
    description:
      'Days since the last session, lesson, practice or quiz answer; 30 when none in the last 30 days.',
  },
  {
    name: 'quiz_accuracy_14d',
    kind: 'ratio',
    events: ['quiz_answer'],
    prop: 'correct',
    windowDays: 14,
    transform: 'none',
    clip: [0, 1],
    normalisation: minmax,
    educationRecord: true,
    description:
      'Share of quiz answers that were correct in the last 14 days (0 when no answers). Assessment results: an education record under FERPA.',
  },
  {
    name: 'hint_rate_14d',
    kind: 'ratio',
    events: ['hint_used'],
    denominator: ['quiz_answer'],
    windowDays: 14,
    transform: 'none',
    clip: [0, 1],
    normalisation: minmax,
    educationRecord: false,
    description:
      'Hints used per quiz answer in the last 14 days (0 when no answers), capped at 1. Reads how often help was asked for, not whether answers were right.',
  },
  {
    name: 'quiz_answers_14d',
    kind: 'count',
    events: ['quiz_answer'],
    windowDays: 14,
    transform: 'log1p',
    // log1p(29) ~ 3.4. Tells "no answers" (accuracy 0 by convention) from "every answer wrong".
    clip: [0, 3.4],
    normalisation: minmax,
    educationRecord: false,
    description:
      'Quiz answers given in the last 14 days, log1p-scaled; about 29 or more count as the maximum.',
  },
  {
    name: 'goal',
    kind: 'declared',
    events: [],
    key: 'goal',
    values: { exam: 1, school: 0.5, travel: -0.5, fun: -1 },
    default: 0,
    windowDays: 1,
    transform: 'none',
    clip: [-1, 1],
    normalisation: minmax,
    educationRecord: false,
    description:
      'The learning goal the learner declared (zero-party data, kept on the device): exam 1, school 0.5, travel -0.5, fun -1; 0 when not declared.',
  },
];
