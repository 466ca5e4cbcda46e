/**
 * Plain IndexedDB as promises, for the stores (idb.ts, floor.ts): what the `idb` library's wrapper
 * did for them, in the few shapes they use (issue 24: its proxies cost the worker about 1.1 KB gzip).
 * A request's promise settles in its success or error event, so a continuation that issues the next
 * request runs while the transaction is still active, as with `idb`; a failed request aborts its
 * transaction (the error is not prevented) and `done` rejects with the transaction's error.
 */

/** The result of `r`, or its error. */
export const request = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.addEventListener('success', () => resolve(r.result));
    r.addEventListener('error', () => reject(r.error));
  });

/**
 * A transaction over `stores` and the promise of its end: resolved on commit, rejected on abort. A
 * caller whose request failed throws before it awaits `done`: its rejection is marked handled here.
 */
export function transaction(
  db: IDBDatabase,
  stores: string | string[],
  mode: IDBTransactionMode = 'readonly',
): { tx: IDBTransaction; done: Promise<void> } {
  const tx = db.transaction(stores, mode);
  const done = new Promise<void>((resolve, reject) => {
    tx.addEventListener('complete', () => resolve());
    // On abort, not on a request's error event: the transaction's error (the failed request's, or a
    // QuotaExceededError at commit) is set by then, and an error a handler prevented aborts nothing.
    tx.addEventListener('abort', () => reject(tx.error ?? new DOMException('AbortError', 'AbortError')));
  });
  done.catch(() => undefined);
  return { tx, done };
}

/**
 * Walks the cursor `r` opens, calling `step` on each record until it returns false or the records end
 * (a delete or update `step` issues is a request of the transaction: its failure aborts it). Rejects
 * if the transaction aborts, or if `step` throws (the transaction is then aborted: nothing is kept).
 */
export const walk = (
  r: IDBRequest<IDBCursorWithValue | null>,
  step: (cursor: IDBCursorWithValue) => boolean | void,
): Promise<void> =>
  new Promise((resolve, reject) => {
    // An abort of the transaction fails the pending cursor request too (an AbortError): it rejects.
    r.addEventListener('error', () => reject(r.error));
    r.addEventListener('success', () => {
      try {
        const c = r.result;
        if (c && step(c) !== false) c.continue();
        else resolve();
      } catch (e) {
        reject(e as Error);
        try {
          r.transaction?.abort();
        } catch {
          /* already finished */
        }
      }
    });
  });

/** Opens `name` at `version` (undefined: the version it has), `upgrade` run in the versionchange transaction. */
export const open = (
  name: string,
  version: number | undefined,
  upgrade: (db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void,
): Promise<IDBDatabase> => {
  const r = indexedDB.open(name, version);
  r.addEventListener('upgradeneeded', (e) => upgrade(r.result, e.oldVersion, r.transaction!));
  return request(r);
};
