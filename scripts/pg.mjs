// A throwaway PostgreSQL cluster for the server's storage tests (and for trying DATABASE_URL).
//
//   node scripts/pg.mjs start   # initdb in a temp dir, start on a free port of 127.0.0.1,
//                               # create database `edseg`, write the URL to .cache/pg-url, print it
//   node scripts/pg.mjs stop    # stop that cluster and delete its folder
//   node scripts/pg.mjs url     # print the URL of the running one
//
// The tests import startCluster() from here when neither DATABASE_URL nor .cache/pg-url gives
// them a server. Binaries: `pg_ctl` on PATH, else /usr/lib/postgresql/<newest>/bin; when none is
// found and we are root, Debian's `postgresql` package is installed with apt-get. PostgreSQL
// refuses to run as root, so as root the cluster belongs to the `postgres` OS user (created if
// missing) and every command runs through runuser (or su).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, root } from './lib.mjs';

export const URL_FILE = join(root, '.cache', 'pg-url');
const STATE_FILE = join(root, '.cache', 'pg-state.json');
const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'createdb'];

const hasTools = (dir) => TOOLS.every((t) => existsSync(join(dir, t)));
const isRoot = () => process.getuid?.() === 0;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The folder holding initdb, pg_ctl, postgres and createdb, or null. */
export function findBinDir() {
  const onPath = which('pg_ctl');
  if (onPath) {
    const dir = dirname(realpathSync(onPath));
    if (hasTools(dir)) return dir;
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (hasTools(join(base, v, 'bin'))) return join(base, v, 'bin');
  }
  for (const dir of ['/usr/local/pgsql/bin', '/opt/homebrew/bin', '/usr/local/bin'])
    if (hasTools(dir)) return dir;
  return null;
}

/** The binaries, installing Debian's postgresql with apt-get when missing and root. */
export function ensureBinaries(log = () => {}) {
  let dir = findBinDir();
  if (dir) return dir;
  if (!isRoot() || !which('apt-get')) {
    throw new Error(
      'PostgreSQL binaries not found (initdb, pg_ctl). Install PostgreSQL (Debian: sudo apt-get install -y postgresql) or set DATABASE_URL.',
    );
  }
  log('pg: installing Debian postgresql (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], {
    stdio: 'inherit',
    env,
  });
  dir = findBinDir();
  if (r.status !== 0 || !dir) throw new Error('pg: apt-get install postgresql failed');
  return dir;
}

/** As root: the postgres OS user's uid/gid (creating the user if missing). Otherwise null. */
function clusterUser() {
  if (!isRoot()) return null;
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  if (spawnSync('id', ['postgres']).status !== 0) {
    execFileSync('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/bin/sh',
      'postgres',
    ]);
  }
  return { name: 'postgres', uid: id('-u'), gid: id('-g') };
}

/** Runs a binary, as the cluster user when there is one; throws with its output on failure. */
function runTool(user, bin, args) {
  const [cmd, argv] = !user
    ? [bin, args]
    : which('runuser')
      ? ['runuser', ['-u', user.name, '--', bin, ...args]]
      : [
          'su',
          [
            user.name,
            '-s',
            '/bin/sh',
            '-c',
            [bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '),
          ],
        ];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: tmpdir() });
  if (r.status !== 0)
    throw new Error(`pg: ${bin.split('/').pop()} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Starts a fresh cluster; resolves with { url, dir, port, stop() }. Durability is switched off
 * (fsync, synchronous_commit, full_page_writes): it is thrown away after the tests.
 */
export async function startCluster({ log = () => {} } = {}) {
  const bin = ensureBinaries(log);
  const user = clusterUser();
  const dir = mkdtempSync(join(tmpdir(), 'edseg-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  runTool(user, join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  runTool(user, join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    '-o',
    opts,
    'start',
  ]);
  const state = { dir, data, port, bin, user: user?.name ?? null };
  try {
    runTool(user, join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'edseg']);
  } catch (e) {
    stopCluster(state);
    throw e;
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/edseg`;
  log(`pg: PostgreSQL (${bin}) on ${url}`);
  return { url, ...state, stop: () => stopCluster(state) };
}

/** Stops a cluster started by startCluster and deletes its folder. */
export function stopCluster(state) {
  const user = state.user && isRoot() ? clusterUser() : null;
  try {
    runTool(user, join(state.bin, 'pg_ctl'), ['-D', state.data, '-m', 'immediate', '-w', 'stop']);
  } catch {
    // already stopped: nothing to do but remove the folder
  }
  rmSync(state.dir, { recursive: true, force: true });
}

/** Stops the cluster a previous `start` recorded, if any. */
function stopRecorded() {
  if (existsSync(STATE_FILE)) stopCluster(JSON.parse(readFileSync(STATE_FILE, 'utf8')));
}

async function cli(cmd) {
  if (cmd === 'start') {
    stopRecorded();
    const c = await startCluster({ log: (m) => console.error(m) });
    mkdirSync(dirname(URL_FILE), { recursive: true });
    writeFileSync(URL_FILE, `${c.url}\n`);
    writeFileSync(
      STATE_FILE,
      JSON.stringify({ dir: c.dir, data: c.data, port: c.port, bin: c.bin, user: c.user }),
    );
    console.log(`DATABASE_URL=${c.url}`);
  } else if (cmd === 'stop') {
    stopRecorded();
    rmSync(STATE_FILE, { force: true });
    rmSync(URL_FILE, { force: true });
  } else if (cmd === 'url') {
    if (!existsSync(URL_FILE)) process.exit(1);
    process.stdout.write(readFileSync(URL_FILE, 'utf8'));
  } else {
    console.error('usage: node scripts/pg.mjs start | stop | url');
    process.exit(2);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === new URL(import.meta.url).pathname) {
  cli(process.argv[2]).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
