/**
 * Structured logs: one JSON object per line ({ time, level, msg, ...fields }), written whole with a
 * single write so lines from concurrent requests never interleave. JSON.stringify escapes control
 * characters, so a client-controlled path cannot start a line of its own.
 *
 * Privacy contract (PRIVACY.md, "What the network can still see"): no line carries a client's IP address or
 * user agent. The request log (ops/ops.ts) writes the method, the route pattern, the status and
 * the duration, and nothing it did not choose: `fields` passing a key in NEVER_LOGGED is dropped here.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Keys no log line may carry, whoever passes them (compared without case, '-' or '_'). */
const NEVER_LOGGED = new Set([
  'ip',
  'address',
  'remoteaddress',
  'clientip',
  'forwardedfor',
  'xforwardedfor',
  'useragent',
  'ua',
]);
const normalisedKey = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Parses a level name (the --log-level flag); throws naming the accepted ones. */
export function parseLogLevel(text: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  throw new Error(`--log-level is one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
}

/** A logger writing lines at `level` and above to `write` (default: stdout). */
export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void; now?: () => Date } = {},
): Logger {
  const level = opts.level ?? 'info';
  const write = opts.write ?? ((line: string) => void process.stdout.write(line));
  const now = opts.now ?? (() => new Date());
  const emit =
    (at: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields: LogFields = {}): void => {
      if (RANK[at] < RANK[level]) return;
      const line: Record<string, unknown> = { time: now().toISOString(), level: at, msg };
      for (const [k, v] of Object.entries(fields))
        if (v !== undefined && !NEVER_LOGGED.has(normalisedKey(k)) && !(k in line)) line[k] = v;
      write(`${JSON.stringify(line)}\n`);
    };
  return { level, debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

// Log lines that a request cannot forge: what a client controls (the path, an error message that
// quotes it) is written with its control characters escaped (escapeForLog), so a newline in a path
// cannot start a line of its own and an ANSI escape cannot repaint the terminal.

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
