/**
 * The data folder fails closed. It holds the signing keys (inside the PGlite files) and the admin
 * token, so:
 * - it is created 0700 and everything in it is made 0700 (folders) or 0600 (files): PGlite
 *   creates its files 0666 whatever the umask, so the tree is tightened after it opens and after
 *   it closes (in between, the 0700 folder keeps everyone else out);
 * - a folder that group or others can write is refused, with a message that says how to fix it
 *   (someone who can write there can replace the database, and with it the keys);
 * - one server per folder: `server.lock` holds the pid of the server using it, created O_EXCL; a
 *   second server refuses while that pid is alive, and takes over the lock of one that died.
 */
import {
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

/** The lock file's name inside the data folder. */
export const LOCK_FILE = 'server.lock';

/** Folders held by a server of this process (a second startServer on one folder in one process refuses too). */
const heldHere = new Set<string>();

/** Runs `fn` with the process umask set to 077 (so what it creates is private), restoring it after. Where the umask cannot be changed (a worker thread) `fn` just runs. */
export async function withPrivateUmask<T>(fn: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    previous = undefined;
  }
  try {
    return await fn();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}

/**
 * Creates the data folder 0700, or checks an existing one: refused (a clear Error) when it is not
 * a folder or group or others can write it; tightened to 0700 when it is only readable by others.
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`the data folder ${dir} is not a folder`);
  if (st.mode & 0o022) {
    const mode = (st.mode & 0o777).toString(8);
    throw new Error(
      `the data folder ${dir} is writable by others (mode ${mode}): it holds the signing key and the admin token, so the server will not use it. Run chmod 700 ${dir}, or choose another folder with --data`,
    );
  }
  if (st.mode & 0o077) chmodSync(dir, 0o700);
}

/** Makes every folder under `root` 0700 and every file 0600 (symbolic links are left alone). */
export function tightenTree(root: string): void {
  const walk = (p: string) => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== 0o700) chmodSync(p, 0o700);
      for (const entry of readdirSync(p)) walk(join(p, entry));
    } else if ((st.mode & 0o777) !== 0o600) chmodSync(p, 0o600);
  };
  walk(root);
}

/** Whether a process with this pid is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The hold on a data folder; release() removes the lock file. */
export type DataDirLock = { file: string; release(): void };

/**
 * Takes the data folder's lock (`server.lock`, O_EXCL, 0600, holding this pid), or throws a clear
 * Error naming the pid of the server that holds it. A lock whose pid is gone is stale: taken over.
 */
export function lockDataDir(dir: string): DataDirLock {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      if (heldHere.has(file)) throw Object.assign(new Error('held'), { code: 'EEXIST' });
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(file);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10) || 0;
      } catch {
        continue; // released meanwhile: try again
      }
      const stale = !heldHere.has(file) && (pid <= 0 || pid === process.pid || !alive(pid));
      if (!stale || attempt > 0) {
        throw new Error(
          `the data folder ${dir} is in use by another edseg server (pid ${pid || 'unknown'}): stop it first, or start this one with another --data folder. If no server runs, delete ${file}`,
        );
      }
      takeOverStale(file, pid, dir);
    }
  }
}

/**
 * Moves a stale lock aside, atomically (rename), and checks that what it moved is the stale one: two
 * servers that both saw the dead pid cannot both take over, since the second would move the first's
 * fresh lock, see another pid in it, put it back and refuse.
 */
export function takeOverStale(file: string, stalePid: number, dir: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone meanwhile: the next attempt creates it, or finds the new holder
  }
  const moved = Number.parseInt(readFileSync(aside, 'utf8').trim(), 10) || 0;
  if (moved !== stalePid) {
    try {
      linkSync(aside, file); // put the other server's lock back (fails if a third took the place)
    } finally {
      unlinkSync(aside);
    }
    throw new Error(`the data folder ${dir} is in use by another edseg server (pid ${moved}): stop it first`);
  }
  unlinkSync(aside);
}
