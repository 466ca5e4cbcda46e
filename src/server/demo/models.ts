/**
 * The five models of `lingua-kids` (one segmentation each): their segments with criteria and
 * their parameters. Centroids are in normalised space ([-1, 1] per feature). They are set by hand,
 * not learned; test/server/seed.test.ts pins the learner histories each segment must (and must not) catch.
 */
import type { Model } from '../../core/schema.js';
import { segments } from './documentation.js';

/** The five models (one segmentation each), documented; `date` stamps changelog entries. */
export function seedModels(date: string): Model[] {
  const pace = ['lessons_7d', 'practice_minutes_14d', 'active_days_14d', 'days_since_active'];
  const mastery = ['quiz_accuracy_14d', 'hint_rate_14d', 'quiz_answers_14d'];
  const offers = ['active_days_14d', 'practice_minutes_14d', 'goal'];
  const tutoring = ['quiz_accuracy_14d', 'hint_rate_14d'];
  const ads = ['goal', 'days_since_active', 'lessons_7d'];
  return [
    {
      id: 'pace',
      purpose: 'instruction',
      kind: 'centroids',
      features: pace,
      description: 'How the learner is moving through the course, to pace lesson suggestions and reminders.',
      segments: segments(pace, date, [
        [
          'steady-learner',
          'Steady learner',
          'Active on most days of the last two weeks (about 7 of 14 or more), with regular lessons and practice; active today or yesterday.',
        ],
        [
          'sprinter',
          'Sprinter',
          'Many lessons in a few days: about 5 or more lessons in the last week, packed into 1-4 active days, active in the last day or so.',
        ],
        [
          'drifting',
          'Drifting',
          'Was active some days in the last two weeks (typically 2-5) and practised, but no lesson in the last week and nothing for about 5-15 days.',
        ],
        [
          'just-starting',
          'Just starting',
          'Little or no activity yet: no lessons this week, under about 5 days active and little practice; includes a learner on day one. ' +
            'Known limit: a learner away for more than 14 days has no activity left in the windows and looks new again.',
        ],
      ]),
      //            lessons_7d  practice  active_days  days_since
      centroids: [
        [0.1, 0.3, 0.3, -0.95],
        [0.6, 0.1, -0.6, -0.95],
        [-0.8, -0.2, -0.3, -0.3],
        [-1, -1, -0.95, -0.4],
      ],
    },
    {
      id: 'mastery',
      purpose: 'instruction',
      kind: 'softmax',
      features: mastery,
      description:
        'Whether quiz results suggest more support, the current level, or a harder track. Reads assessment results (an education record): instruction only.',
      segments: segments(mastery, date, [
        [
          'needs-support',
          'Needs support',
          'Quiz accuracy low (about 40% or less) over at least about 3 answers in the last 14 days; frequent hints push towards it.',
        ],
        [
          'on-track',
          'On track',
          'Neither clearly struggling nor clearly ahead; also every learner with no quiz answers (or a single one) in the last 14 days.',
        ],
        [
          'ready-for-challenge',
          'Ready for a challenge',
          'Quiz accuracy high (about 80% or more over 10 answers, a little lower over many more) with few hints (about 1 per 10 answers or fewer).',
        ],
      ]),
      // Logits relative to on-track (its column is 0: softmax is shift-invariant). A learner with no
      // answers has accuracy 0, like one with every answer wrong; quiz_answers_14d tells them apart
      // (v1 used lessons_7d, which put anyone with a lesson and no answers in needs-support; see docs/EVALUATION.md).
      //   rows: quiz_accuracy_14d, hint_rate_14d, quiz_answers_14d; columns: needs-support, on-track, ready
      //   no answers: needs -1.2, ready -6 -> on-track; 2/10 right: needs +0.8; 8/10 right, no hints: ready +0.1
      weights: [
        [-2, 0, 2.5],
        [1.5, 0, -1],
        [2, 0, 1.5],
      ],
      bias: [0.3, 0, -3],
    },
    {
      id: 'offers',
      purpose: 'marketing',
      kind: 'centroids',
      features: offers,
      description:
        "The operator's own offers (plans, courses). Marketing: needs the learner's (or a verified parent's) consent for marketing.",
      segments: segments(offers, date, [
        [
          'upgrade-candidate',
          'Upgrade candidate',
          'Active on many days with plenty of practice, whatever the goal.',
        ],
        [
          'casual-learner',
          'Casual learner',
          'Few active days and little practice, with no goal or a travel/fun goal.',
        ],
        [
          'exam-prep-interest',
          'Exam-prep interest',
          'Declared an exam (or school) goal, at low to moderate activity.',
        ],
      ]),
      //            active_days  practice  goal
      centroids: [
        [0.5, 0.4, 0],
        [-0.7, -0.8, -0.5],
        [-0.2, -0.3, 1],
      ],
    },
    {
      id: 'tutoring_upsell',
      purpose: 'marketing',
      kind: 'centroids',
      features: tutoring,
      description:
        'Paid tutoring offers from quiz performance. It reads quiz accuracy, an education record, so FERPA forbids using it for marketing: ' +
        'the SDK never releases it (rule ferpa-education-record). Kept in the manifest to show the rule at work.',
      segments: segments(tutoring, date, [
        ['tutoring-prospect', 'Tutoring prospect', 'Middling to low quiz accuracy with frequent hints.'],
        ['self-sufficient', 'Self-sufficient', 'High quiz accuracy with few hints.'],
        [
          'tutoring-unlikely',
          'Tutoring unlikely',
          'No quiz activity in the last 14 days: no signal either way.',
        ],
      ]),
      //            accuracy  hint_rate
      centroids: [
        [-0.2, 0.2],
        [0.7, -0.8],
        [-1, -1],
      ],
    },
    {
      id: 'ads',
      purpose: 'advertising',
      kind: 'centroids',
      features: ads,
      description:
        'Audiences for third-party advertising. Never for children: every segment requires the teen band, ' +
        'and Global Privacy Control or an opt-out blocks it.',
      segments: segments(
        ads,
        date,
        [
          [
            'travel-audience',
            'Travel audience',
            'Declared a travel or fun goal, active in the last two weeks or so.',
          ],
          [
            'exam-audience',
            'Exam audience',
            'Declared an exam or school goal, active in the last two weeks or so.',
          ],
          [
            'general-audience',
            'General audience',
            "No declared goal (or inactive for weeks). This site's policy does not receive it (shows rule site-not-allowed).",
          ],
        ],
        'teen',
      ),
      //            goal  days_since  lessons_7d
      centroids: [
        [-0.6, -0.4, -0.2],
        [0.8, -0.4, -0.2],
        [0, -0.2, -0.5],
      ],
    },
  ];
}
