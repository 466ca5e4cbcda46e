/**
 * `edseg-admin`: the admin console's commands from a terminal, over the running server's admin API.
 *
 *   edseg-admin [--server URL] [--token T] <command> [options]
 *
 * Global options may stand anywhere: --server (EDSEG_SERVER, default http://127.0.0.1:8787),
 * --token (EDSEG_ADMIN_TOKEN), --help. Exit status: 0 on success; 1 with one line on stderr on
 * failure; 2 for a usage error (an unknown command or option).
 */
import { parseArgs } from 'node:util';
import { isProcessEntry } from '../runtime/entry.js';
import { createAdminClient } from './client.js';
import type { AdminCommand, CommandContext } from './command.js';
import { CliError } from './command.js';
import { COMMANDS } from './commands/index.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  fetch?: typeof fetch;
}

const GLOBAL_HELP = `  --server URL  the edseg server (EDSEG_SERVER, default ${DEFAULT_SERVER})
  --token T     an admin token or account token (EDSEG_ADMIN_TOKEN)
  --help        help for edseg-admin or for one command`;

export function overview(commands: readonly AdminCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'edseg-admin: manage an edseg server from the terminal',
    '',
    'usage: edseg-admin [--server URL] [--token T] <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'global options:',
    GLOBAL_HELP,
    '',
    'edseg-admin <command> --help shows a command’s options.',
  ].join('\n');
}

export function commandHelp(c: AdminCommand): string {
  return [
    `edseg-admin ${c.name}: ${c.summary}`,
    '',
    `usage: edseg-admin ${c.name}${c.usage ? ` ${c.usage}` : ''}`,
    ...(c.help ? ['', c.help] : []),
    '',
    'global options:',
    GLOBAL_HELP,
  ].join('\n');
}

interface Globals {
  server?: string;
  token?: string;
  help: boolean;
  rest: string[];
}

/** Takes the global options out of argv, wherever they stand. */
function takeGlobals(argv: string[]): Globals {
  const g: Globals = { help: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      g.rest.push(...argv.slice(i));
      break;
    }
    if (a === '--help' || a === '-h') g.help = true;
    else if (a === '--server' || a === '--token') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new CliError(`${a} needs a value`);
      g[a === '--server' ? 'server' : 'token'] = v;
    } else if (a.startsWith('--server=')) g.server = a.slice('--server='.length);
    else if (a.startsWith('--token=')) g.token = a.slice('--token='.length);
    else g.rest.push(a);
  }
  return g;
}

/** The command whose words lead `words` (the longest such name), and how many words it took. */
function findCommand(words: string[], commands: readonly AdminCommand[]): AdminCommand | undefined {
  let best: AdminCommand | undefined;
  for (const c of commands) {
    const parts = c.name.split(' ');
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.name.split(' ').length))
      best = c;
  }
  return best;
}

/**
 * An argument such as a key id may start with one dash (`-Xa3…`: base64url); parseArgs would take
 * it for an unknown short option. Such words, unless they are a declared short option or the value
 * of the option before them, are moved after `--`, where parseArgs reads them as positionals.
 */
export function dashPositionalsLast(args: string[], options: AdminCommand['options']): string[] {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [`-${o.short}`] : [])));
  const takesValue = (a: string) => {
    const name = a.startsWith('--')
      ? a.slice(2)
      : [...Object.entries(options)].find(([, o]) => `-${o.short}` === a)?.[0];
    return name !== undefined && !name.includes('=') && options[name]?.type === 'string';
  };
  const kept: string[] = [];
  const moved: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      moved.push(...args.slice(i + 1));
      break;
    }
    if (/^-[^-]/.test(a) && !shorts.has(a)) moved.push(a);
    else {
      kept.push(a);
      if (takesValue(a) && i + 1 < args.length) kept.push(args[++i]!);
    }
  }
  return moved.length ? [...kept, '--', ...moved] : kept;
}

/** Runs edseg-admin; resolves with the exit status. Never throws. */
export async function runAdminCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
  commands: readonly AdminCommand[] = COMMANDS,
): Promise<number> {
  try {
    const g = takeGlobals(argv);
    const words: string[] = [];
    for (const a of g.rest) {
      if (a.startsWith('-')) break;
      words.push(a);
    }
    if (words.length === 0) {
      if (g.help) {
        io.out(overview(commands));
        return 0;
      }
      io.err(`edseg-admin: a command is required\n\n${overview(commands)}`);
      return 2;
    }
    const cmd = findCommand(words, commands);
    if (!cmd) {
      const group = commands.filter((c) => c.name.startsWith(`${words[0]} `));
      if (g.help && group.length) {
        io.out(overview(group));
        return 0;
      }
      io.err(`edseg-admin: unknown command "${words.join(' ')}" (edseg-admin --help lists them)`);
      return 2;
    }
    if (g.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: dashPositionalsLast(g.rest.slice(cmd.name.split(' ').length), cmd.options),
        options: cmd.options,
        strict: true,
        allowPositionals: true,
      });
    } catch (e) {
      io.err(
        `edseg-admin ${cmd.name}: ${(e as Error).message.split('\n')[0]} (edseg-admin ${cmd.name} --help)`,
      );
      return 2;
    }
    const token = g.token ?? env['EDSEG_ADMIN_TOKEN'];
    if (cmd.needsServer && !token)
      throw new CliError(
        'an admin token is required: --token T or EDSEG_ADMIN_TOKEN (edseg-server prints it)',
      );
    const ctx: CommandContext = {
      values: parsed.values as CommandContext['values'],
      positionals: parsed.positionals,
      api: createAdminClient({
        server: g.server ?? env['EDSEG_SERVER'] ?? DEFAULT_SERVER,
        ...(token ? { token } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
      }),
      out: io.out,
      err: io.err,
      env,
    };
    return (await cmd.run(ctx)) ?? 0;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.err(`edseg-admin: ${message.split('\n')[0]}`);
    return 1;
  }
}

export async function main(argv = process.argv.slice(2), env = process.env): Promise<void> {
  process.exitCode = await runAdminCli(argv, env, {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  });
}

if (isProcessEntry(import.meta.url)) void main();
