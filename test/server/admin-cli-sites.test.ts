/**
 * edseg-admin's site, publish, keys and user commands against a running server: a site from zero to
 * a verified manifest in a few commands, accounts with roles (an analyst's publish fails with one
 * line naming the role), key rotation and retirement, and --help for every command.
 */
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyManifest } from '../../src/core/manifest.js';
import type { AccountCreated, KeyList, SiteList } from '../../src/core/schema.js';
import { COMMANDS } from '../../src/server/admin-cli/commands/index.js';
import { runCli, useRunningServer, type CliRun } from './helpers.js';

const TOKEN = 'cli-sites-token-0123456789';

const server = useRunningServer('edseg-admin-sites-', { adminToken: TOKEN });

function cli(argv: string[], token: string | null = TOKEN): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { EDSEG_SERVER: server.url, ...(token ? { EDSEG_ADMIN_TOKEN: token } : {}) };
  return runCli(argv, env);
}

describe('every command', () => {
  it('has --help (exit 0, no token needed) naming its usage', async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'site create',
        'site list',
        'site origins',
        'site disable',
        'publish',
        'keys rotate',
        'keys retire',
        'user add',
        'user list',
        'user disable',
        'user enable',
        'user role',
        'user token',
      ]),
    );
    for (const c of COMMANDS) {
      const r = await cli([...c.name.split(' '), '--help'], null);
      expect(r.code, c.name).toBe(0);
      expect(r.out).toContain(`usage: edseg-admin ${c.name}`);
    }
  });

  it('fails without a token with one clear line, exit 1 (every command that talks to the server)', async () => {
    // fit and train work on local files (needsServer: false) and take no token.
    const remote = COMMANDS.filter((c) => c.needsServer);
    expect(remote.length).toBeGreaterThanOrEqual(10);
    for (const c of remote) {
      const r = await cli([...c.name.split(' '), 'x'], null);
      expect(r.code, c.name).toBe(1);
      expect(r.err.split('\n'), c.name).toHaveLength(1);
      expect(r.err).toMatch(/admin token is required/);
    }
  });

  it('fails with a wrong token with one line saying so, exit 1', async () => {
    const r = await cli(['publish', 'lingua-kids'], 'not-a-token');
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/refused the admin token \(401\)/) });
  });
});

describe('a site from zero to live', () => {
  it('site create refuses a bad origin naming origins.N, exit 1', async () => {
    const r = await cli([
      'site',
      'create',
      'math-club',
      '--name',
      'Math',
      '--origin',
      'https://a.example',
      '--origin',
      'https://b.example/path',
    ]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/\(field: origins\.1\)/);
    expect((await cli(['site', 'create', 'math-club', '--origin', 'https://a.example'])).err).toMatch(
      /--name is required/,
    );
    expect((await cli(['site', 'create', 'math-club', '--name', 'Math'])).err).toMatch(
      /--origin is required/,
    );
  });

  it('site create, site origins, publish: the manifest verifies for the new origin', async () => {
    const created = await cli([
      'site',
      'create',
      'math-club',
      '--name',
      'Math Club',
      '--origin',
      'http://127.0.0.1:8788',
      '--template',
      'demo',
    ]);
    expect(created).toMatchObject({ code: 0, err: '' });
    expect(created.out).toMatch(/created math-club \(created from the demo template\)/);
    const origins = await cli(['site', 'origins', 'math-club', '--add', 'http://localhost:8788']);
    expect(origins.code).toBe(0);
    expect(origins.out).toMatch(/origins \+http:\/\/localhost:8788/);
    const published = await cli(['publish', 'math-club', '--note', 'first version', '--json']);
    expect(published.code).toBe(0);
    expect(JSON.parse(published.out)).toMatchObject({ site: 'math-club', version: 1 });
    const jws = await (await fetch(`${server.url}/v1/sites/math-club/manifest`)).text();
    const { keys } = (await (await fetch(`${server.url}/v1/keys`)).json()) as { keys: JWK[] };
    const r = await verifyManifest(jws, {
      publicKeys: keys,
      site: 'math-club',
      origin: 'http://localhost:8788',
      now: new Date(),
    });
    expect(r.ok).toBe(true);
  });

  it('site list shows both sites with version, origins and state', async () => {
    const text = await cli(['site', 'list']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /^math-club {2}name="Math Club" {2}v1 {2}origins=http:\/\/127\.0\.0\.1:8788,http:\/\/localhost:8788$/m,
    );
    expect(text.out).toMatch(/^lingua-kids /m);
    const json = JSON.parse((await cli(['site', 'list', '--json'])).out) as SiteList;
    expect(json.sites.map((s) => s.id)).toEqual(['lingua-kids', 'math-club']);
  });

  it('site origins without --add or --remove fails, exit 1; removing an unknown origin names remove.0', async () => {
    expect((await cli(['site', 'origins', 'math-club'])).err).toMatch(/--add ORIGIN or --remove ORIGIN/);
    const r = await cli(['site', 'origins', 'math-club', '--remove', 'https://nope.example']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/field: remove\.0/);
  });

  it('publish of an unknown site fails with 404 naming the site', async () => {
    const r = await cli(['publish', 'no-such-site']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\(404\).*field: site/);
  });
});

describe('accounts and roles', () => {
  let analyst: AccountCreated;
  it('user add prints the one-time password and token; --json gives them as one object', async () => {
    const text = await cli(['user', 'add', 'ada', '--role', 'editor']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^password {3}\S{12,}$/m);
    expect(text.out).toMatch(/^api token {2}edseg_\S+$/m);
    const json = await cli(['user', 'add', 'grace', '--role', 'analyst', '--json']);
    analyst = JSON.parse(json.out) as AccountCreated;
    expect(analyst).toMatchObject({ account: { name: 'grace', role: 'analyst' } });
    expect(analyst.password).toEqual(expect.any(String));
    expect(analyst.token).toMatch(/^edseg_/);
    expect((await cli(['user', 'add', 'x', '--role', 'root'])).err).toMatch(/field: role/);
    expect((await cli(['user', 'add', 'ada', '--role', 'owner'])).err).toMatch(/\(409\)/);
  });

  it('user list lists them', async () => {
    const r = await cli(['user', 'list']);
    expect(r.out).toMatch(/^ada {2}editor /m);
    expect(r.out).toMatch(/^grace {2}analyst /m);
  });

  it("an analyst's token reads the sites but cannot publish (403, one line naming the role)", async () => {
    expect((await cli(['site', 'list'], analyst.token)).code).toBe(0);
    const r = await cli(['publish', 'math-club'], analyst.token);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/\(403\): grace is analyst; .*needs the role editor/);
    expect(r.err).toContain(`POST ${server.url}/admin/api/`);
    expect((await cli(['user', 'list'], analyst.token)).err).toMatch(/needs the role owner/);
  });

  it('user role, token, disable and enable: each holds at once for the account', async () => {
    const role = await cli(['user', 'role', 'grace', '--role', 'editor']);
    expect(role).toMatchObject({ code: 0, err: '' });
    expect(role.out).toMatch(/^grace: role analyst -> editor$/m);
    expect((await cli(['user', 'list'], analyst.token)).err).toMatch(/\(403\): grace is editor;/);
    const token = await cli(['user', 'token', 'grace', '--json']);
    const { token: fresh } = JSON.parse(token.out) as { token: string };
    expect((await cli(['site', 'list'], analyst.token)).err).toMatch(/\(401\)/);
    expect((await cli(['site', 'list'], fresh)).code).toBe(0);
    const disabled = await cli(['user', 'disable', 'grace']);
    expect(disabled.out).toMatch(/^grace: disabled/m);
    expect((await cli(['site', 'list'], fresh)).err).toMatch(/\(401\)/);
    expect((await cli(['user', 'list'])).out).toMatch(/^grace {2}editor .* disabled /m);
    expect((await cli(['user', 'enable', 'grace'])).out).toMatch(/^grace: enabled/m);
    expect((await cli(['user', 'disable', 'nobody'])).err).toMatch(/\(404\)/);
  });
});

describe('keys', () => {
  it('keys rotate makes a new key and re-signs; keys retire refuses the old one until its manifests expire, and the current one', async () => {
    const before = JSON.parse((await cli(['keys', 'list', '--json'])).out) as KeyList;
    const old = before.keys[0]!.kid;
    const current = await cli(['keys', 'retire', old]);
    expect(current.code).toBe(1);
    expect(current.err).toMatch(/\(409\): key .* signs now/);
    const rotated = await cli(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/re-signed: lingua-kids v\d+, math-club v2/);
    expect(rotated.out).toMatch(/next: pin the new key/);
    // A device may hold a manifest the old key signed until it expires (the server's real clock here):
    // refused, naming that date (test/server/key-retire.test.ts retires it once the date has passed).
    const listed = JSON.parse((await cli(['keys', 'list', '--json'])).out) as KeyList;
    const until = listed.keys.find((k) => k.kid === old)!.validUntil!;
    const retired = await cli(['keys', 'retire', old]);
    expect(retired.code).toBe(1);
    expect(retired.err).toContain(`(409): key ${old} signed manifests that devices may hold until ${until}`);
    const { keys } = (await (await fetch(`${server.url}/v1/keys`)).json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).toContain(old);
    expect(keys).toHaveLength(2);
  });

  it('site disable stops the manifest (410)', async () => {
    const r = await cli(['site', 'disable', 'math-club']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/math-club disabled at/);
    expect((await fetch(`${server.url}/v1/sites/math-club/manifest`)).status).toBe(410);
    expect((await cli(['site', 'list'])).out).toMatch(/^math-club .* disabled since /m);
  });
});
