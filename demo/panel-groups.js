// Lingua Kids: the lower half of the transparency panel: the table of every group Lingua Kids
// defines (are you in it, was this page told, what is sent, and why) and the device's audit log.

import { CHANNEL_WORDS, PURPOSE_WORDS, reasonSentence } from './words.js';
import { byId, byTestId, fmtDate, h } from './shared.js';

/** The table of every group, from explain().segments (the block sentence when there are none). */
export function renderSegments(expl) {
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

/** The last 30 audit entries, newest first, from exportData() (null leaves the list as it was). */
export function renderAudit(data) {
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
