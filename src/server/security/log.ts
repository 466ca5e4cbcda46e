/**
 * Log lines that a request cannot forge: what a client controls (the path, an error message that
 * quotes it) is written with its control characters escaped, so a newline in a path cannot start
 * a line of its own and an ANSI escape cannot repaint the terminal.
 */

/** Longest piece of client-controlled text written into one log line. */
const MAX_LOGGED = 2000;

/** `text` with control characters (C0, DEL, C1, line and paragraph separators) escaped as \n, \xNN or \uNNNN, cut at 2,000 characters. */
export function escapeForLog(text: string): string {
  const cut = text.length > MAX_LOGGED ? `${text.slice(0, MAX_LOGGED)}…` : text;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
