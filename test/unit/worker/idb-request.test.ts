import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { open, request, transaction, walk } from '../../../worker/idb-request.js';

let n = 0;
/** A fresh database with one store `s` (keyPath id, index `day`) holding `rows`. */
async function fresh(rows: { id: number; day: number }[]): Promise<IDBDatabase> {
  const db = await open(`idb-request-${n++}`, 1, (d) => {
    d.createObjectStore('s', { keyPath: 'id' }).createIndex('day', 'day');
  });
  const { tx, done } = transaction(db, 's', 'readwrite');
  for (const r of rows) tx.objectStore('s').put(r);
  await done;
  return db;
}

describe('plain IndexedDB as promises (worker/idb-request.ts)', () => {
  it('chains requests in one transaction across awaits and commits them together', async () => {
    const db = await fresh([{ id: 1, day: 3 }]);
    const { tx, done } = transaction(db, 's', 'readwrite');
    const s = tx.objectStore('s');
    const row = (await request(s.get(1))) as { id: number; day: number };
    await request(s.put({ ...row, day: row.day + 1 }));
    await request(s.add({ id: 2, day: 9 }));
    await done;
    expect(await request(db.transaction('s').objectStore('s').getAll())).toEqual([
      { id: 1, day: 4 },
      { id: 2, day: 9 },
    ]);
    db.close();
  });

  it('a failed request rejects with its error, aborts the transaction and rejects `done`', async () => {
    const db = await fresh([{ id: 1, day: 3 }]);
    const { tx, done } = transaction(db, 's', 'readwrite');
    const s = tx.objectStore('s');
    const wrote = request(s.put({ id: 5, day: 1 }));
    await expect(request(s.add({ id: 1, day: 0 }))).rejects.toMatchObject({ name: 'ConstraintError' });
    await expect(done).rejects.toMatchObject({ name: 'ConstraintError' });
    await wrote.catch(() => undefined);
    // nothing of the aborted transaction was kept
    expect(await request(db.transaction('s').objectStore('s').getAllKeys())).toEqual([1]);
    db.close();
  });

  it('walks a cursor in key order, deleting and updating as it goes, and stops when told', async () => {
    const db = await fresh([1, 2, 3, 4].map((id) => ({ id, day: 10 - id })));
    const { tx, done } = transaction(db, 's', 'readwrite');
    const seen: number[] = [];
    await walk(tx.objectStore('s').index('day').openCursor(), (c) => {
      const v = c.value as { id: number; day: number };
      seen.push(v.id);
      if (v.id === 4) c.delete();
      else c.update({ ...v, day: 0 });
      return seen.length < 2;
    });
    await done;
    expect(seen).toEqual([4, 3]);
    expect(await request(db.transaction('s').objectStore('s').getAll())).toEqual([
      { id: 1, day: 9 },
      { id: 2, day: 8 },
      { id: 3, day: 0 },
    ]);
    db.close();
  });

  it('a walk whose step throws rejects with it and aborts the transaction (nothing kept)', async () => {
    const db = await fresh([1, 2, 3].map((id) => ({ id, day: id })));
    const { tx, done } = transaction(db, 's', 'readwrite');
    const walked = walk(tx.objectStore('s').openCursor(), (c) => {
      if ((c.value as { id: number }).id === 2) throw new TypeError('bad row');
      c.delete();
    });
    const answer = await Promise.race([
      walked.then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
      new Promise((r) => setTimeout(() => r('no answer'), 500)),
    ]);
    expect(answer).toBe('bad row');
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(await request(db.transaction('s').objectStore('s').getAllKeys())).toEqual([1, 2, 3]);
    db.close();
  });

  it('a walk rejects when its transaction aborts under it (another request of it failed)', async () => {
    const db = await fresh([1, 2, 3].map((id) => ({ id, day: id })));
    const { tx, done } = transaction(db, 's', 'readwrite');
    const failed = request(tx.objectStore('s').add({ id: 1, day: 0 }));
    const walked = walk(tx.objectStore('s').openCursor(), () => {});
    await expect(failed).rejects.toMatchObject({ name: 'ConstraintError' });
    await expect(walked).rejects.toMatchObject({ name: 'AbortError' });
    await expect(done).rejects.toMatchObject({ name: 'ConstraintError' });
    db.close();
  });

  it('a caller that throws on a failed request before awaiting `done` leaves no unhandled rejection', async () => {
    const db = await fresh([{ id: 1, day: 3 }]);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // as IdbStore.spendAndQueue, prune, compact and floor.ts `use` do: `await done` comes last
      const use = async () => {
        const { tx, done } = transaction(db, 's', 'readwrite');
        await request(tx.objectStore('s').add({ id: 1, day: 0 }));
        await done;
      };
      await expect(use()).rejects.toMatchObject({ name: 'ConstraintError' });
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    db.close();
  });

  it('runs the upgrade in the versionchange transaction with the old version', async () => {
    const name = `idb-request-${n++}`;
    (await open(name, 1, (d) => void d.createObjectStore('a'))).close();
    const olds: number[] = [];
    const db = await open(name, 2, (d, old, tx) => {
      olds.push(old);
      expect(tx.mode).toBe('versionchange');
      d.createObjectStore('b');
    });
    expect(olds).toEqual([1]);
    expect([...db.objectStoreNames].sort()).toEqual(['a', 'b']);
    db.close();
  });
});
