// Lingua Kids: the demo learner site. Plain ES module, no build step.
//
// Contracts this page keeps:
// - Every learner interaction is one or more `edseg.track(type, props)` calls with the event
//   vocabulary the lingua-kids manifest reads (session_start, lesson_start, lesson_complete,
//   quiz_answer, quiz_complete, practice_session, hint_used) and `declare({ goal })`.
// - `window.edseg` is read at call time, never cached: before /edseg/edseg.js has run it is the
//   queue stub from index.html, afterwards it is the segmenter.
// - Any edseg call may throw or reject with an EdsegError { code, field, message }; the page shows
//   it in the status line and carries on.
// - Everything shown from edseg is written with textContent (never innerHTML): segment names come
//   from a manifest, and the page must not trust them as markup.

import { LESSONS, QUIZ, CARDS } from './lessons.js';
import {
  AGE_WORDS,
  CHANNEL_WORDS,
  EVENT_WORDS,
  PURPOSES,
  PURPOSE_TITLES,
  PURPOSE_WORDS,
  reasonSentence,
} from './words.js';

// ---------------------------------------------------------------------------------------------
// Small DOM helpers
// ---------------------------------------------------------------------------------------------

/** The element with this data-testid. */
const byTestId = (id) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="${id}"]`));
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Creates an element; attrs become attributes (booleans toggle), children are nodes or text. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
const fmtEps = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '?');
const fmtDate = (ts) => {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toLocaleString();
};

// ---------------------------------------------------------------------------------------------
// Status line and errors
// ---------------------------------------------------------------------------------------------

/** Shows a message in the status line; kind is 'info', 'ok' or 'error'. */
function setStatus(text, kind = 'info') {
  const el = byTestId('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

/** "[invalid-input] edseg: invalid event: … (field: event.props.minutes)" */
function describeError(e) {
  if (e && typeof e === 'object') {
    const code = typeof e.code === 'string' ? `[${e.code}] ` : '';
    const field = typeof e.field === 'string' && e.field ? ` (field: ${e.field})` : '';
    const message = typeof e.message === 'string' ? e.message : String(e);
    return `${code}${message}${field}`;
  }
  return String(e);
}

function showError(e) {
  setStatus(describeError(e), 'error');
}

// ---------------------------------------------------------------------------------------------
// The SDK handle
// ---------------------------------------------------------------------------------------------

const isReal = () => {
  const e = window.edseg;
  return !!e && typeof e.explain === 'function' && typeof e.segments === 'function';
};

let loaded = null;
/** Resolves with the segmenter once /edseg/edseg.js has replaced the stub. */
function sdk() {
  if (!loaded) {
    loaded = new Promise((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (isReal()) return resolve(window.edseg);
        // The script ran but could not start a segmenter (e.g. no valid data-key): it says why in the console.
        if (window.edseg && typeof window.edseg.createSegmenter === 'function') {
          return reject(new Error('edseg loaded but could not start on this page; see the browser console.'));
        }
        if (Date.now() - started > 15_000)
          return reject(new Error('The edseg script did not load (/edseg/edseg.js).'));
        setTimeout(check, 50);
      };
      check();
    });
  }
  return loaded;
}

let forgotten = false;

/** Sends one event; never throws (errors go to the status line). Returns whether edseg took it. */
function track(type, props) {
  if (forgotten) {
    setStatus('Nothing was recorded: everything on this device was deleted. Reload the page to start again.');
    return false;
  }
  try {
    window.edseg.track(type, props);
  } catch (e) {
    showError(e);
    return false;
  }
  scheduleRefresh();
  return true;
}

// ---------------------------------------------------------------------------------------------
// Lessons
// ---------------------------------------------------------------------------------------------

function renderLessons() {
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
        { class: 'card lesson', 'data-lesson-id': lesson.id },
        h('div', { class: 'lesson-head' }, h('h3', {}, lesson.title), badge),
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

function renderQuestion() {
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

function renderCard() {
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

function tickTimer() {
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

// ---------------------------------------------------------------------------------------------
// Consent dialog
// ---------------------------------------------------------------------------------------------

const dialog = () => /** @type {HTMLDialogElement} */ (byId('consent-dialog'));
const input = (testid) => /** @type {HTMLInputElement} */ (byTestId(testid));
const isChildBand = (band) => band === 'under13' || band === 'unknown';

/** The learner's own consent only counts from 13 (COMPLIANCE.md rule 8), so it is asked only then. */
function syncAgeSections() {
  const band = input('consent-age').value;
  byId('self-fieldset').hidden = isChildBand(band);
}

/** Fills the form from a stored consent record (or clears it for none). */
function fillConsentForm(c) {
  const record = c || {};
  input('consent-age').value = record.ageBand || 'unknown';
  input('consent-school').checked = record.schoolAuthorized === true;
  input('consent-parental-verified').checked = record.parental?.verified === true;
  input('consent-parental-method').value = record.parental?.method || '';
  for (const p of PURPOSES) {
    input(`consent-parental-${p}`).checked = !!record.parental?.purposes?.includes(p);
    input(`consent-self-${p}`).checked = !!record.self?.purposes?.includes(p);
    input(`consent-optout-${p}`).checked = !!record.optOut?.includes(p);
  }
  byId('consent-error').textContent = '';
  syncAgeSections();
}

const checkedPurposes = (kind) => PURPOSES.filter((p) => input(`consent-${kind}-${p}`).checked);

/** The ConsentInput the form describes; empty parts are left out rather than sent empty. */
function consentFromForm() {
  const now = new Date().toISOString();
  const ageBand = input('consent-age').value;
  const record = { ageBand, schoolAuthorized: input('consent-school').checked };
  const verified = input('consent-parental-verified').checked;
  const method = input('consent-parental-method').value.trim();
  const parentalPurposes = checkedPurposes('parental');
  if (verified || method || parentalPurposes.length > 0) {
    record.parental = { verified, purposes: parentalPurposes, at: now };
    if (method) record.parental.method = method;
  }
  const selfPurposes = checkedPurposes('self');
  if (!isChildBand(ageBand) && selfPurposes.length > 0) record.self = { purposes: selfPurposes, at: now };
  const optOut = checkedPurposes('optout');
  if (optOut.length > 0) record.optOut = optOut;
  return record;
}

async function openConsent() {
  let current = null;
  if (isReal()) {
    try {
      current = (await window.edseg.explain()).consent;
    } catch {
      /* the form starts empty */
    }
  }
  fillConsentForm(current);
  if (!dialog().open) dialog().showModal();
}

async function applyConsent(record, done) {
  const err = byId('consent-error');
  err.textContent = '';
  try {
    await window.edseg.setConsent(record);
    if (dialog().open) dialog().close();
    setStatus(done, 'ok');
  } catch (e) {
    err.textContent = describeError(e);
    showError(e);
  }
  scheduleRefresh(0);
}

function saveConsent(ev) {
  ev.preventDefault();
  void applyConsent(consentFromForm(), 'Your privacy choices are saved.');
}

/**
 * Withdrawal keeps a consent record (so the choice itself is remembered and the device stops at
 * once) with the same age band, no basis at all, and every purpose opted out: nothing is released
 * or reported from then on, and reports not yet sent are dropped. To erase the data too, use
 * "Delete everything on this device".
 */
function withdrawConsent() {
  const record = { ageBand: input('consent-age').value || 'unknown', optOut: [...PURPOSES] };
  fillConsentForm(record);
  void applyConsent(record, 'Consent withdrawn: nothing is shared or sent any more.');
}

// ---------------------------------------------------------------------------------------------
// Your learning profile (released segments)
// ---------------------------------------------------------------------------------------------

function renderReleased(list) {
  const root = byTestId('released');
  root.replaceChildren();
  const released = Array.isArray(list) ? list : [];
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

// ---------------------------------------------------------------------------------------------
// The transparency panel
// ---------------------------------------------------------------------------------------------

/** What is kept on this device, from explain().stored (counts, not the records). */
function renderStored(expl) {
  const root = byTestId('panel-stored');
  root.replaceChildren();
  if (!expl) {
    root.append(h('p', { class: 'muted' }, 'edseg could not read what is stored right now.'));
    return;
  }
  const { stored } = expl;
  root.append(
    h(
      'p',
      {},
      expl.persisted
        ? 'Saved in this browser only (IndexedDB). It is never sent as it is.'
        : 'Nothing is saved on this device yet: until you make your privacy choices, what you do is kept in this page’s memory and forgotten when you leave.',
    ),
  );

  const counts = Object.entries(stored.events);
  const total = counts.reduce((n, [, c]) => n + c, 0);
  if (counts.length === 0) {
    root.append(h('p', { class: 'muted' }, 'No activity is stored.'));
  } else {
    root.append(
      h(
        'ul',
        { class: 'facts' },
        counts.map(([type, n]) =>
          h(
            'li',
            { 'data-event-type': type },
            h('span', {}, EVENT_WORDS[type] ?? type),
            h('strong', {}, String(n)),
          ),
        ),
      ),
    );
  }
  root.append(
    h(
      'p',
      { class: 'small' },
      `Only the kinds of activity the current group definitions read are kept (${plural(total, 'event', 'events')}, ${plural(stored.rollups, 'daily summary row', 'daily summary rows')}).`,
    ),
  );

  const goal = stored.declared.goal;
  root.append(
    h('p', { 'data-goal': goal ?? '' }, goal ? `Your goal: ${goal}.` : 'You have not told us your goal.'),
  );
  const sel = /** @type {HTMLSelectElement} */ (byTestId('goal-select'));
  if (goal && !goalTouched && sel.value === '') sel.value = goal;

  const retention = stored.retention;
  if (retention) {
    root.append(
      h(
        'p',
        { class: 'small' },
        `Activity is deleted after ${plural(retention.rawEventDays, 'day', 'days')}; daily summaries after ${plural(retention.rollupDays, 'day', 'days')}.`,
      ),
    );
  }
  const c = expl.consent;
  if (c) {
    const bases = [];
    if (c.schoolAuthorized) bases.push('school permission');
    if (c.parental)
      bases.push(
        `${c.parental.verified ? 'verified' : 'unverified'} parental consent for ${c.parental.purposes.map((p) => PURPOSE_WORDS[p]).join(', ') || 'nothing'}`,
      );
    if (c.self)
      bases.push(
        `your own consent for ${c.self.purposes.map((p) => PURPOSE_WORDS[p]).join(', ') || 'nothing'}`,
      );
    const no = c.optOut?.length ? ` You said no to ${c.optOut.map((p) => PURPOSE_WORDS[p]).join(', ')}.` : '';
    root.append(
      h(
        'p',
        { class: 'small' },
        `Your privacy choices: age ${AGE_WORDS[c.ageBand ?? 'unknown']}; ${bases.join('; ') || 'no permissions'}.${no}${c.gpc ? ' Your browser sends Global Privacy Control.' : ''}`,
      ),
    );
  }
}

function renderShown(expl) {
  const root = byTestId('panel-released');
  root.replaceChildren();
  if (!expl) {
    root.append(h('p', { class: 'muted' }, 'edseg could not explain its decisions right now.'));
    return;
  }
  if (expl.blocked)
    root.append(h('p', { class: 'warn', 'data-blocked': expl.blocked }, reasonSentence(expl.blocked)));
  const released = (expl.segments ?? []).filter((s) => s.released);
  if (released.length === 0) {
    root.append(h('p', {}, 'Nothing: this page has not been told anything about you.'));
    return;
  }
  root.append(h('p', {}, `This page was told ${plural(released.length, 'group', 'groups')}:`));
  root.append(
    h(
      'ul',
      { class: 'facts' },
      released.map((s) =>
        h(
          'li',
          { 'data-segment-id': s.id },
          h(
            'span',
            {},
            h('strong', {}, s.name),
            ` — used for ${PURPOSE_WORDS[s.purpose] ?? s.purpose}. `,
            (s.reasons ?? []).map(reasonSentence).join(' '),
          ),
        ),
      ),
    ),
  );
}

/** "pace: noised; offers: not sent" from an audit detail's channels ({ model: channel }). */
function channelsText(channels) {
  if (!channels || typeof channels !== 'object') return 'no groups';
  const parts = Object.entries(channels).map(
    ([model, ch]) => `${model}: ${ch === 'clear' ? 'as it is' : ch === 'ldp' ? 'with noise' : String(ch)}`,
  );
  return parts.length ? parts.join(', ') : 'no groups';
}

/** `data` is exportData(), read only while the panel is on screen; null keeps the list as it was. */
function renderSent(expl, data) {
  const root = byTestId('panel-sent');
  if (data) {
    root.replaceChildren();
    renderSentList(
      root,
      data.audit.filter((a) => a.kind === 'report-sent'),
    );
  } else {
    root.querySelectorAll('.pending, .nothing-sent').forEach((el) => el.remove());
  }
  const pending = expl?.stored.pending ?? 0;
  if (pending > 0)
    root.append(
      h(
        'p',
        { class: 'small pending' },
        `${plural(pending, 'report is', 'reports are')} waiting to be sent.`,
      ),
    );
  const analytics = (expl?.segments ?? []).some((s) => s.channel !== 'none');
  if (expl && !analytics)
    root.append(
      h('p', { class: 'small muted nothing-sent' }, 'With your current choices, nothing about you is sent.'),
    );
  renderBudget(expl);
}

function renderSentList(root, sent) {
  if (sent.length === 0) {
    root.append(h('p', {}, 'Nothing has been sent to Lingua Kids yet.'));
  } else {
    root.append(
      h(
        'p',
        {},
        `${plural(sent.length, 'statistics report', 'statistics reports')} sent. None carries your name, an id or your activity:`,
      ),
    );
    root.append(
      h(
        'ul',
        { class: 'facts' },
        sent
          .slice(-10)
          .reverse()
          .map((a) =>
            h(
              'li',
              { 'data-report-id': a.detail?.reportId ?? '' },
              h('span', {}, `${fmtDate(a.ts)} — groups ${channelsText(a.detail?.channels)}`),
              h('strong', { title: 'privacy cost (epsilon)' }, `ε ${fmtEps(a.detail?.epsilon)}`),
            ),
          ),
      ),
    );
  }
}

function renderBudget(expl) {
  const budget = byTestId('panel-budget');
  budget.replaceChildren();
  const b = expl?.budget;
  if (b && b.cap > 0) {
    const id = 'budget-meter';
    budget.append(
      h(
        'label',
        { for: id },
        `Privacy budget used: ε ${fmtEps(b.spent)} of ${fmtEps(b.cap)} over the last ${plural(b.windowDays, 'day', 'days')} (${plural(b.reportsInWindow, 'report', 'reports')})`,
      ),
      h('meter', {
        id,
        min: 0,
        max: b.cap,
        value: Math.min(b.spent, b.cap),
        'data-spent': b.spent,
        'data-cap': b.cap,
      }),
      h(
        'p',
        { class: 'small muted' },
        'Every report adds a little noise-protected information; edseg stops sending when the budget is used up.',
      ),
    );
  }
}

function renderSegments(expl) {
  const root = byTestId('panel-segments');
  root.replaceChildren();
  const segs = expl?.segments ?? [];
  if (segs.length === 0) {
    root.append(
      h(
        'p',
        { class: 'muted' },
        expl?.blocked ? reasonSentence(expl.blocked) : 'No group definitions are loaded.',
      ),
    );
    return;
  }
  const yesNo = (b) => (b ? 'Yes' : 'No');
  const why = (s) => {
    const reasons = s.reasons ?? [];
    if (!s.assigned && reasons[0] === 'allowed') return 'You are not in this group right now.';
    return reasons.map(reasonSentence).join(' ');
  };
  root.append(
    h(
      'table',
      { class: 'segments-table' },
      h(
        'caption',
        { class: 'visually-hidden' },
        'Every group Lingua Kids defines, whether you are in it, whether this page was told, and what is sent',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Group', 'Used for', 'You are in it?', 'Shown to this page?', 'Statistics', 'Why'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        segs.map((s) =>
          h(
            'tr',
            {
              'data-row-segment-id': s.id,
              'data-assigned': String(!!s.assigned),
              'data-released': String(!!s.released),
              'data-channel': s.channel,
              'data-reasons': (s.reasons ?? []).join(' '),
            },
            h(
              'th',
              { scope: 'row' },
              s.name,
              h(
                'span',
                { class: 'small muted block' },
                `${s.model}${s.usesEducationRecord ? ' · uses quiz results' : ''}`,
              ),
            ),
            h('td', {}, PURPOSE_WORDS[s.purpose] ?? s.purpose),
            h('td', {}, yesNo(s.assigned)),
            h('td', {}, yesNo(s.released)),
            h('td', {}, CHANNEL_WORDS[s.channel] ?? s.channel),
            h('td', {}, why(s)),
          ),
        ),
      ),
    ),
  );
}

function renderAudit(data) {
  if (!data) return; // read only while the panel is on screen
  const list = byId('audit-list');
  const audit = data.audit;
  list.replaceChildren(
    ...audit
      .slice(-30)
      .reverse()
      .map((a) =>
        h(
          'li',
          {},
          h('time', { datetime: new Date(a.ts).toISOString() }, fmtDate(a.ts)),
          ' ',
          h('code', {}, a.kind),
          ' ',
          h('span', { class: 'small muted' }, JSON.stringify(a.detail ?? {})),
        ),
      ),
  );
  if (audit.length === 0) list.append(h('li', { class: 'muted' }, 'Nothing recorded yet.'));
}

function renderForgotten() {
  renderReleased([]);
  byTestId('panel-stored').replaceChildren(
    h('p', {}, 'Nothing: everything edseg kept on this device was deleted. Reload the page to start again.'),
  );
  byTestId('panel-released').replaceChildren(h('p', {}, 'Nothing.'));
  byTestId('panel-sent').replaceChildren(h('p', {}, 'Nothing more will be sent from this page.'));
  byTestId('panel-budget').replaceChildren();
  byTestId('panel-segments').replaceChildren(h('p', {}, reasonSentence('forgotten')));
  byId('audit-list').replaceChildren();
}

// Refreshes are debounced and never overlap; one that arrives during another runs after it.
let refreshTimer = 0;
let refreshing = false;
let refreshAgain = false;

function scheduleRefresh(delay = 300) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    void refresh();
  }, delay);
}

/** True while the consent dialog is open because this is a first visit (no consent record yet). */
let firstVisitPrompt = false;
// explain() carries everything but the audit log; the full record (exportData) is read from the
// worker only while the transparency panel is on screen, or when asked for.
let panelVisible = false;

/** Redraws the page from a fresh explain(); resolves with that explanation, if it got one. */
async function refresh(withRecords = panelVisible) {
  if (forgotten) return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    const e = await sdk();
    const [expl, data] = await Promise.allSettled([
      e.explain(),
      withRecords ? e.exportData() : Promise.resolve(null),
    ]);
    if (forgotten) return;
    const ex = expl.status === 'fulfilled' ? expl.value : null;
    const dx = data.status === 'fulfilled' ? data.value : null;
    if (ex) {
      renderReleased(ex.segments.filter((s) => s.released));
      // The first-visit prompt is moot once a consent record exists (set in another tab, or by the host page).
      if (firstVisitPrompt && ex.consent !== null) dialog().close();
    }
    renderStored(ex);
    renderShown(ex);
    renderSent(ex, dx);
    renderSegments(ex);
    renderAudit(dx);
    const failed = [expl, data].find((r) => r.status === 'rejected');
    if (failed) showError(failed.reason);
    return ex;
  } catch (e) {
    showError(e);
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      scheduleRefresh();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data rights
// ---------------------------------------------------------------------------------------------

async function downloadData() {
  try {
    const e = await sdk();
    const data = await e.exportData();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = h('a', {
      href: url,
      download: `lingua-kids-my-data-${new Date().toISOString().slice(0, 10)}.json`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setStatus('Your data was downloaded as a JSON file.', 'ok');
  } catch (e) {
    showError(e);
  }
}

// No confirm() prompt: a blocking prompt would hide the action from keyboard-only automation, and
// the button's label already says exactly what it does.
async function forgetAll() {
  try {
    const e = await sdk();
    await e.forget();
    forgotten = true;
    renderForgotten();
    setStatus('Everything on this device was deleted. Nothing more will be sent.', 'ok');
  } catch (e) {
    showError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

function onSegments(list) {
  if (forgotten) return;
  if (Array.isArray(list)) renderReleased(list);
  scheduleRefresh();
}

function wire() {
  const on = (testid, fn) => byTestId(testid).addEventListener('click', fn);
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
  on('consent-open', () => {
    void openConsent();
  });
  on('consent-cancel', () => dialog().close());
  dialog().addEventListener('close', () => {
    firstVisitPrompt = false;
  });
  on('consent-withdraw', withdrawConsent);
  on('panel-refresh', () => {
    clearTimeout(refreshTimer);
    void refresh(true);
  });
  new IntersectionObserver(([entry]) => {
    panelVisible = Boolean(entry?.isIntersecting);
    if (panelVisible) scheduleRefresh(0);
  }).observe(byId('transparency'));
  on('download-data', () => {
    void downloadData();
  });
  on('forget', () => {
    void forgetAll();
  });
  byTestId('goal-select').addEventListener('change', declareGoal);
  byTestId('consent-age').addEventListener('change', syncAgeSections);
  byId('consent-form').addEventListener('submit', saveConsent);
}

async function start() {
  renderLessons();
  renderQuestion();
  renderCard();
  renderReleased([]);
  wire();
  setInterval(tickTimer, 1000);
  track('session_start', {});

  let e;
  try {
    e = await sdk();
  } catch (err) {
    showError(err);
    return;
  }
  try {
    e.on('segments', onSegments);
  } catch (err) {
    showError(err);
  }
  clearTimeout(refreshTimer);
  const expl = await refresh();
  // First visit: no consent record yet, so ask (until then nothing is saved or shared). A consent
  // given after this answer (here, in another tab, or by the host page) fires `segments`, and the
  // refresh that follows closes the prompt.
  if (expl?.consent === null && !dialog().open) {
    fillConsentForm(null);
    firstVisitPrompt = true;
    dialog().showModal();
  }
}

// `data-demo-ready` tells scripts (and the e2e tests) that start-up, first-visit prompt included, is over.
void start().finally(() => {
  document.documentElement.dataset.demoReady = 'true';
});
