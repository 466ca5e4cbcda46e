// Lingua Kids: the learner's side of the page. It draws the lessons, the quiz, the practice cards,
// the quick-study buttons, the goal picker and the learning profile (the groups this page was told),
// and turns each interaction into `track` / `declare` calls.

import { LESSONS, QUIZ, CARDS } from './lessons.js';
import { suggestNext } from './suggest.js';
import { PURPOSES, PURPOSE_TITLES } from './words.js';
import {
  byId,
  byTestId,
  forgotten,
  h,
  on,
  plural,
  scheduleRefresh,
  sdk,
  setStatus,
  showError,
  track,
} from './shared.js';

// ---------------------------------------------------------------------------------------------
// Lessons
// ---------------------------------------------------------------------------------------------

/** Draws the lesson cards, each with its Start and Complete buttons. */
export function renderLessons() {
  const list = byId('lesson-list');
  list.replaceChildren();
  LESSONS.forEach((lesson, i) => {
    const words = h(
      'ul',
      { class: 'word-list', id: `lesson-words-${i}`, hidden: true },
      lesson.words.map((w) =>
        h(
          'li',
          {},
          h('span', { 'aria-hidden': 'true' }, w.emoji),
          ' ',
          h('strong', { lang: 'es' }, w.es),
          ` = ${w.en}`,
        ),
      ),
    );
    const badge = h('span', { class: 'badge', id: `lesson-badge-${i}`, hidden: true }, 'Done ✓');
    const suggested = h('span', { class: 'badge suggested-badge', hidden: true }, 'Suggested for you');
    const start = h(
      'button',
      { type: 'button', class: 'btn btn-ghost', 'data-testid': `lesson-start-${i}` },
      'Start',
    );
    const complete = h(
      'button',
      { type: 'button', class: 'btn', 'data-testid': `lesson-complete-${i}` },
      'Complete',
    );
    start.addEventListener('click', () => {
      words.hidden = false;
      if (track('lesson_start', { lessonId: lesson.id })) setStatus(`Lesson “${lesson.title}” started.`);
    });
    complete.addEventListener('click', () => {
      words.hidden = false;
      badge.hidden = false;
      if (track('lesson_complete', { lessonId: lesson.id, minutes: lesson.minutes }))
        setStatus(`Lesson “${lesson.title}” completed. ¡Muy bien!`, 'ok');
    });
    list.append(
      h(
        'li',
        { class: 'card lesson', id: `lesson-${i}`, 'data-lesson-id': lesson.id },
        h('div', { class: 'lesson-head' }, h('h3', {}, lesson.title), suggested, badge),
        h(
          'p',
          { class: 'muted' },
          `${plural(lesson.words.length, 'word', 'words')} · about ${lesson.minutes} minutes`,
        ),
        words,
        h('div', { class: 'row' }, start, complete),
      ),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Quiz: answering moves straight on to the next question; a round ends with quiz_complete.
// The correct option is always data-testid="quiz-answer-correct", the wrong ones
// "quiz-answer-wrong" and "quiz-answer-wrong-2", whatever their position on screen.
// ---------------------------------------------------------------------------------------------

const quiz = { index: 0, correct: 0, shownAt: Date.now() };

/** Draws the current quiz question and its three options. */
export function renderQuestion() {
  const q = QUIZ[quiz.index];
  byId('quiz-progress').textContent = `Question ${quiz.index + 1} of ${QUIZ.length}`;
  byId('quiz-prompt').textContent = q.prompt;
  byId('quiz-hint').textContent = '';
  const options = [
    { text: q.answer, correct: true, testid: 'quiz-answer-correct' },
    { text: q.wrong[0], correct: false, testid: 'quiz-answer-wrong' },
    { text: q.wrong[1], correct: false, testid: 'quiz-answer-wrong-2' },
  ];
  // A fixed rotation per question, so the right answer is not always first (and tests stay deterministic).
  const shift = quiz.index % options.length;
  const ordered = options.slice(shift).concat(options.slice(0, shift));
  byId('quiz-options').replaceChildren(
    ...ordered.map((o) => {
      const b = h('button', { type: 'button', class: 'btn option', 'data-testid': o.testid }, o.text);
      b.addEventListener('click', () => answer(o.correct, q));
      return b;
    }),
  );
  quiz.shownAt = Date.now();
}

function answer(correct, q) {
  const seconds = Math.round((Date.now() - quiz.shownAt) / 100) / 10;
  track('quiz_answer', { correct, seconds });
  if (correct) quiz.correct += 1;
  let feedback = correct
    ? `Correct! ${q.prompt.replace('What does ', '').replace(' mean?', '')} means “${q.answer}”.`
    : `Not quite: the answer was “${q.answer}”.`;
  quiz.index += 1;
  if (quiz.index >= QUIZ.length) {
    const score = Math.round((100 * quiz.correct) / QUIZ.length);
    track('quiz_complete', { score });
    feedback += ` Round finished: you scored ${score}%. A new round starts now.`;
    quiz.index = 0;
    quiz.correct = 0;
  }
  byId('quiz-feedback').textContent = feedback;
  byId('quiz-feedback').dataset.correct = String(correct);
  renderQuestion();
}

function hint() {
  byId('quiz-hint').textContent = `Hint: ${QUIZ[quiz.index].hint}`;
  track('hint_used', {});
}

// ---------------------------------------------------------------------------------------------
// Practice: a session runs from page load (or the last finish) to "Finish session".
// ---------------------------------------------------------------------------------------------

const practice = { startedAt: Date.now(), items: 0, card: 0 };

/** Draws the current practice card, meaning hidden. */
export function renderCard() {
  const c = CARDS[practice.card % CARDS.length];
  byId('flash-emoji').textContent = c.emoji;
  byId('flash-word').textContent = c.es;
  byId('flash-word').setAttribute('lang', 'es');
  byId('flash-meaning').textContent = c.en;
  byId('flash-meaning').hidden = true;
  byId('practice-items').textContent = String(practice.items);
}

function nextCard() {
  practice.items += 1;
  practice.card += 1;
  renderCard();
}

/** Shows how long the practice session has run. */
export function tickTimer() {
  const s = Math.floor((Date.now() - practice.startedAt) / 1000);
  byId('practice-timer').textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function finishPractice() {
  // Minutes to one decimal; a session is never reported as lasting less than 0.1 minutes.
  const minutes = Math.max(0.1, Math.round((Date.now() - practice.startedAt) / 6000) / 10);
  const items = practice.items;
  if (track('practice_session', { minutes, items }))
    setStatus(`Practice session saved: ${minutes} minutes, ${plural(items, 'card', 'cards')}.`, 'ok');
  practice.startedAt = Date.now();
  practice.items = 0;
  renderCard();
  tickTimer();
}

// ---------------------------------------------------------------------------------------------
// Quick study: several events at once (the SDK stamps the time itself, so they are all "now").
// ---------------------------------------------------------------------------------------------

function bulkLessons() {
  let ok = true;
  for (const lesson of LESSONS.slice(0, 5)) {
    ok = track('lesson_start', { lessonId: lesson.id }) && ok;
    ok = track('lesson_complete', { lessonId: lesson.id, minutes: lesson.minutes }) && ok;
  }
  if (ok) setStatus('Recorded 5 lessons.', 'ok');
}

/** Ten answers, `right` of them correct (spread through the run), then the round's score. */
function bulkQuiz(right) {
  const seconds = right >= 5 ? [4, 6, 5, 7, 3, 5, 6, 4, 5, 6] : [12, 15, 9, 18, 14, 11, 16, 13, 10, 17];
  let ok = true;
  for (let i = 0; i < 10; i += 1) {
    const correct = Math.floor(((i + 1) * right) / 10) > Math.floor((i * right) / 10);
    ok = track('quiz_answer', { correct, seconds: seconds[i] }) && ok;
  }
  ok = track('quiz_complete', { score: right * 10 }) && ok;
  if (ok) setStatus(`Recorded 10 quiz answers (${right} right).`, 'ok');
}

function bulkPractice() {
  if (track('practice_session', { minutes: 30, items: 45 }))
    setStatus('Recorded a 30-minute practice session.', 'ok');
}

async function flush() {
  try {
    const e = await sdk();
    const r = await e.flush();
    setStatus(`Statistics: ${plural(r.sent, 'report', 'reports')} sent, ${r.pending} waiting.`, 'ok');
  } catch (e) {
    showError(e);
  }
  scheduleRefresh();
}

// ---------------------------------------------------------------------------------------------
// Goal (zero-party data)
// ---------------------------------------------------------------------------------------------

let goalTouched = false;

function declareGoal(ev) {
  const goal = /** @type {HTMLSelectElement} */ (ev.target).value;
  goalTouched = true;
  if (!goal || forgotten) return;
  try {
    window.edseg.declare({ goal });
    setStatus('Your goal is saved on this device.', 'ok');
  } catch (e) {
    showError(e);
  }
  scheduleRefresh();
}

/** Shows the stored goal in the goal picker, unless the learner has already used the picker. */
export function showStoredGoal(goal) {
  const sel = /** @type {HTMLSelectElement} */ (byTestId('goal-select'));
  if (goal && !goalTouched && sel.value === '') sel.value = goal;
}

// ---------------------------------------------------------------------------------------------
// Your learning profile (released segments)
// ---------------------------------------------------------------------------------------------

/** Draws the learning profile from the released segments. */
export function renderReleased(list) {
  const root = byTestId('released');
  root.replaceChildren();
  const released = Array.isArray(list) ? list : [];
  renderSuggestion(released);
  if (released.length === 0) {
    root.append(
      h(
        'p',
        { class: 'empty' },
        'Nothing about you is shared with this page right now. Keep learning, and check your privacy choices: your profile appears here when they allow it.',
      ),
    );
    return;
  }
  for (const purpose of PURPOSES) {
    const items = released.filter((s) => s.purpose === purpose);
    if (items.length === 0) continue;
    root.append(
      h(
        'div',
        { class: 'purpose-group', 'data-purpose': purpose },
        h('h3', {}, PURPOSE_TITLES[purpose]),
        h(
          'ul',
          { class: 'chips' },
          items.map((s) =>
            h('li', { class: 'chip', 'data-segment-id': s.id, 'data-model': s.model ?? '' }, s.name),
          ),
        ),
      ),
    );
  }
}

/** The next lesson, adapted to the released segments, and that lesson's card marked in the list. */
function renderSuggestion(released) {
  const next = suggestNext(released);
  const lesson = LESSONS.findIndex((l) => l.id === next.lessonId);
  byTestId('suggestion').replaceChildren(
    h(
      'div',
      { class: 'suggestion', 'data-kind': next.kind, 'data-lesson-id': next.lessonId },
      h('p', { class: 'suggestion-title' }, h('span', { 'aria-hidden': 'true' }, '👉 '), next.title),
      h('p', { class: 'muted' }, next.text, next.note ? ` ${next.note}` : ''),
      h('a', { class: 'btn btn-primary btn-small', href: `#lesson-${lesson}` }, 'Go to the lesson'),
    ),
  );
  for (const card of document.querySelectorAll('.lesson')) {
    const on = /** @type {HTMLElement} */ (card).dataset.lessonId === next.lessonId;
    card.classList.toggle('suggested', on);
    card.querySelector('.suggested-badge')?.toggleAttribute('hidden', !on);
  }
}

/** Wires the learner's controls: hint, practice cards, quick study, "send statistics now", goal. */
export function wireLearning() {
  on('hint', hint);
  on('practice-flip', () => {
    byId('flash-meaning').hidden = false;
  });
  on('practice-knew', nextCard);
  on('practice-again', nextCard);
  on('practice-finish', finishPractice);
  on('bulk-lessons', bulkLessons);
  on('bulk-quiz-right', () => bulkQuiz(9));
  on('bulk-quiz-wrong', () => bulkQuiz(2));
  on('bulk-practice', bulkPractice);
  on('flush', () => {
    void flush();
  });
  byTestId('goal-select').addEventListener('change', declareGoal);
}
