// Lingua Kids: the demo learner site. Plain ES modules, no build step. This one starts the page,
// runs the redraws and the data-rights buttons; the other modules draw one part each:
// learning.js (lessons, quiz, practice, goal, profile), consent.js (the consent dialog), panel.js
// and panel-groups.js (the transparency panel); shared.js holds the helpers, words.js the sentences.
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

import { reasonSentence } from './words.js';
import {
  byId,
  byTestId,
  cancelRefresh,
  forgotten,
  h,
  markForgotten,
  on,
  scheduleRefresh,
  sdk,
  setRefresh,
  setStatus,
  showError,
  track,
} from './shared.js';
import {
  renderCard,
  renderLessons,
  renderQuestion,
  renderReleased,
  tickTimer,
  wireLearning,
} from './learning.js';
import { closeFirstVisitPrompt, promptFirstVisit, wireConsent } from './consent.js';
import { renderSent, renderShown, renderStored } from './panel.js';
import { renderAudit, renderSegments } from './panel-groups.js';

// ---------------------------------------------------------------------------------------------
// Redraws
// ---------------------------------------------------------------------------------------------

/** The profile and the panel once everything on this device was deleted. */
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

// Redraws never overlap; one that arrives during another runs after it.
let refreshing = false;
let refreshAgain = false;
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
      closeFirstVisitPrompt(ex.consent);
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
setRefresh(refresh);

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
    markForgotten();
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
  wireLearning();
  wireConsent();
  on('panel-refresh', () => {
    cancelRefresh();
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
  cancelRefresh();
  const expl = await refresh();
  // First visit: no consent record yet, so ask (until then nothing is saved or shared). A consent
  // given after this answer (here, in another tab, or by the host page) fires `segments`, and the
  // refresh that follows closes the prompt.
  promptFirstVisit(expl?.consent);
}

// `data-demo-ready` tells scripts (and the e2e tests) that start-up, first-visit prompt included, is over.
void start().finally(() => {
  document.documentElement.dataset.demoReady = 'true';
});
