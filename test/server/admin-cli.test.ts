/**
 * edseg-admin's frame: global options anywhere, --help for the tool and each command, exit status
 * 0 / 1 / 2, one clear line on failure, and a real command against a running server.
 */
import { describe, expect, it } from 'vitest';
import type { AdminCommand } from '../../src/server/admin-cli/command.js';
import { runAdminCli } from '../../src/server/admin-cli/main.js';
import { runCli, useRunningServer } from './helpers.js';

const cli = runCli;

const server = useRunningServer('edseg-admin-cli-', { adminToken: 'cli-test-token-0123456789' });

describe('edseg-admin', () => {
  it('takes a word that starts with one dash (a key id such as -Xa3…) as a positional, not an option', async () => {
    const seen: string[][] = [];
    const echo: AdminCommand = {
      name: 'echo',
      summary: 'test',
      usage: 'WORD',
      options: { note: { type: 'string' }, json: { type: 'boolean', short: 'j' } },
      needsServer: false,
      run(ctx) {
        seen.push([...ctx.positionals, String(ctx.values['note']), String(ctx.values['json'])]);
        return Promise.resolve(0);
      },
    };
    const run = (argv: string[]) =>
      runAdminCli(argv, {}, { out: () => {}, err: (t) => seen.push([t]) }, [echo]);
    expect(await run(['echo', '-Xa3_kid', '--note', 'n', '-j'])).toBe(0);
    expect(await run(['echo', '--note', 'n', '--', '-Yb'])).toBe(0);
    expect(await run(['echo', '--bogus'])).toBe(2);
    expect(seen.slice(0, 2)).toEqual([
      ['-Xa3_kid', 'n', 'true'],
      ['-Yb', 'n', 'undefined'],
    ]);
  });

  it('--help lists the commands and the global options, exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/site list/);
    expect(r.out).toMatch(/--server URL/);
    expect(r.out).toMatch(/EDSEG_ADMIN_TOKEN/);
  });

  it('<command> --help shows the command with its usage, exit 0, without a token', async () => {
    const r = await cli(['site', 'list', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^edseg-admin site list:/);
    expect(r.out).toMatch(/usage: edseg-admin site list/);
  });

  it('an unknown command or option is a usage error (exit 2) naming it', async () => {
    expect(await cli(['nope'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown command "nope"/),
    });
    const r = await cli(['site', 'list', '--bogus'], { EDSEG_ADMIN_TOKEN: 'x' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--bogus/);
  });

  it('without a token every server command fails with one clear line, exit 1', async () => {
    const r = await cli(['--server', server.url, 'site', 'list']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/admin token is required.*--token.*EDSEG_ADMIN_TOKEN/);
  });

  it('a wrong token fails with one line that says the token was refused, exit 1', async () => {
    const r = await cli(['site', 'list', '--server', server.url, '--token', 'wrong']);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/refused the admin token \(401\)/);
    expect(r.err).toContain(`the server at ${server.url} refused`);
  });

  it('any other refusal names the URL it tried (an unknown site)', async () => {
    const r = await cli(['publish', 'no-such-site', '--server', server.url], {
      EDSEG_ADMIN_TOKEN: 'cli-test-token-0123456789',
    });
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain(`POST ${server.url}/admin/api/sites/no-such-site`);
  });

  it('an unreachable server fails with one line naming it, exit 1', async () => {
    const r = await cli(['site', 'list', '--server', 'http://127.0.0.1:9', '--token', 't']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the server at http:\/\/127\.0\.0\.1:9/);
    expect((await cli(['site', 'list', '--server', 'ftp://x', '--token', 't'])).err).toMatch(
      /--server must be an http or https URL/,
    );
  });

  it('site list talks to the running server with the token from the environment (--json: one object)', async () => {
    const r = await cli(['--server', server.url, 'site', 'list', '--json'], {
      EDSEG_ADMIN_TOKEN: 'cli-test-token-0123456789',
    });
    expect(r).toMatchObject({ code: 0, err: '' });
    const body = JSON.parse(r.out) as { sites: { id: string }[] };
    expect(body.sites.map((s) => s.id)).toContain('lingua-kids');
    const text = await cli(['site', 'list', `--server=${server.url}`, '--token=cli-test-token-0123456789']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^lingua-kids/m);
  });
});
