/** The migration runner: applies migrations.ts's list, each once, on either back end. */
import { LOCKS, type Db } from './db.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** Applies the migrations (of `list`, default all) not yet recorded in schema_migrations, each in its own transaction. */
export async function migrate(db: Db, list: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Under the lock too: two processes creating the table at once collide in pg_type (a unique
  // violation on "pg_type_typname_nsp_index"), which `if not exists` does not prevent.
  await db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(${LOCKS.migrate})`);
    await tx.exec(
      'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at text not null)',
    );
  });
  const applied: number[] = [];
  for (const m of list) {
    const done = await db.transaction(async (tx) => {
      // Two servers starting together on one PostgreSQL must not both apply a migration.
      await tx.query(`select pg_advisory_xact_lock(${LOCKS.migrate})`);
      const rows = await tx.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      if (m.run) await m.run(tx);
      await tx.query('insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
