/**
 * The shape every `edseg-admin` command has. A command is one module in commands/ that exports an
 * AdminCommand; commands/index.ts lists them. main.ts parses the global options (--server, --token,
 * --help), finds the command by its words ("site create"), parses the command's own options with
 * node:util parseArgs, and maps what run() throws to one line on stderr and exit status 1.
 */
import type { ParseArgsConfig } from 'node:util';
import type { AdminClient } from './client.js';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** What a command's run() gets: the parsed options, the server's API and the two output streams. */
export interface CommandContext {
  /** The command's parsed options (global options removed). */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Words after the command's own words, e.g. the ID in `site create ID`. */
  positionals: string[];
  /** The admin API of the server named by --server / EDSEG_SERVER, with --token / EDSEG_ADMIN_TOKEN. */
  api: AdminClient;
  /** Results: one JSON object under --json, else lines for a person. */
  out: (text: string) => void;
  /** Progress and warnings: never mixed into stdout. */
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface AdminCommand {
  /** The command's words, e.g. "site create". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line(s) after the name, e.g. "ID --name NAME --origin ORIGIN [--origin ORIGIN ...]". */
  usage: string;
  /** Longer help: what it does and each option. */
  help?: string;
  options: OptionsConfig;
  /** False for commands that work on local files only (fit, train): no --server or token needed. */
  needsServer: boolean;
  /** Resolves with the exit status (default 0); throws CliError (or any Error) for a one-line failure. */
  run(ctx: CommandContext): Promise<number | void>;
}

/** A failure the user can act on: printed as `edseg-admin: <message>`, exit status 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The string value of a required option, or a CliError naming it. */
export function required(ctx: CommandContext, name: string): string {
  const v = ctx.values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

/** The single positional argument `what`, or a CliError naming it. */
export function positional(ctx: CommandContext, what: string): string {
  const v = ctx.positionals[0];
  if (!v) throw new CliError(`${what} is required`);
  if (ctx.positionals.length > 1) throw new CliError(`unexpected argument "${ctx.positionals[1]}"`);
  return v;
}
