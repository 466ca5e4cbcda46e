// Lingua Kids: what every part of the demo page shares. DOM and text helpers, the status line,
// the SDK handle (window.edseg, read at call time), `track`, the "everything was deleted" state and
// the debounced redraw (app.js says what a redraw does; the other modules only ask for one).

// ---------------------------------------------------------------------------------------------
// Small DOM helpers
// ---------------------------------------------------------------------------------------------

/** The element with this data-testid. */
export const byTestId = (id) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="${id}"]`));
/** The element with this id. */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** Adds a click handler to the element with this data-testid. */
export const on = (testid, fn) => byTestId(testid).addEventListener('click', fn);

/** Creates an element; attrs become attributes (booleans toggle), children are nodes or text. */
export function h(tag, attrs = {}, ...children) {
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

/** "1 word", "2 words": the count and the noun that fits it. */
export const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
/** An epsilon to two decimals ('?' when it is not a finite number). */
export const fmtEps = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '?');
/** A timestamp as local date and time (as given when it is not a date). */
export const fmtDate = (ts) => {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? String(ts) : d.toLocaleString();
};

// ---------------------------------------------------------------------------------------------
// Status line and errors
// ---------------------------------------------------------------------------------------------

/** Shows a message in the status line; kind is 'info', 'ok' or 'error'. */
export function setStatus(text, kind = 'info') {
  const el = byTestId('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

/** An error as one line: "[invalid-input] edseg: invalid event: … (field: event.props.minutes)". */
export function describeError(e) {
  if (e && typeof e === 'object') {
    const code = typeof e.code === 'string' ? `[${e.code}] ` : '';
    const field = typeof e.field === 'string' && e.field ? ` (field: ${e.field})` : '';
    const message = typeof e.message === 'string' ? e.message : String(e);
    return `${code}${message}${field}`;
  }
  return String(e);
}

/** Shows an error in the status line. */
export function showError(e) {
  setStatus(describeError(e), 'error');
}

// ---------------------------------------------------------------------------------------------
// The SDK handle
// ---------------------------------------------------------------------------------------------

/** True once /edseg/edseg.js has replaced the queue stub with the segmenter. */
export const isReal = () => {
  const e = window.edseg;
  return !!e && typeof e.explain === 'function' && typeof e.segments === 'function';
};

let loaded = null;
/** Resolves with the segmenter once /edseg/edseg.js has replaced the stub. */
export function sdk() {
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

/** True once the learner deleted everything on this device (then nothing is tracked or redrawn). */
export let forgotten = false;

/** Records that everything on this device was deleted. */
export function markForgotten() {
  forgotten = true;
}

/** Sends one event; never throws (errors go to the status line). Returns whether edseg took it. */
export function track(type, props) {
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
// Redraws: debounced (app.js's refresh also keeps them from overlapping)
// ---------------------------------------------------------------------------------------------

let refreshTimer = 0;
let refresh = async () => {};

/** Sets what a scheduled redraw runs (app.js's refresh). */
export function setRefresh(fn) {
  refresh = fn;
}

/** Redraws the page after `delay` ms; a newer request replaces a pending one. */
export function scheduleRefresh(delay = 300) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    void refresh();
  }, delay);
}

/** Drops a pending redraw (before one that runs at once). */
export function cancelRefresh() {
  clearTimeout(refreshTimer);
}
