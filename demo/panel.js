// Lingua Kids: the transparency panel's columns ("What edseg knows, shows and sends"): what is
// stored on this device, what this page was shown, what was sent to Lingua Kids and the privacy
// budget. The every-group table and the audit log are in panel-groups.js.

import { AGE_WORDS, EVENT_WORDS, PURPOSE_WORDS, reasonSentence } from './words.js';
import { byTestId, fmtDate, fmtEps, h, plural } from './shared.js';
import { showStoredGoal } from './learning.js';

/** What is kept on this device, from explain().stored (counts, not the records). */
export function renderStored(expl) {
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
  showStoredGoal(goal);

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
        `${c.parental.verified ? 'verified' : 'unverified'} parental consent for ${c.parental.purposes.map((p) => PURPOSE_WORDS[p]).join(', ') || 'nothing'}` +
          (c.parental.thirdParty?.length
            ? `, and to sharing with the site's other tools for ${c.parental.thirdParty.map((p) => PURPOSE_WORDS[p]).join(', ')}`
            : ''),
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

/** What this page was told, from explain() (the released segments and why). */
export function renderShown(expl) {
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

/** What was sent, and the budget; `data` is exportData(), read only while the panel is on screen (null keeps the list). */
export function renderSent(expl, data) {
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
