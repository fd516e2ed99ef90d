import type { DataSource } from 'typeorm';

/** An arbitrary, fixed advisory-lock key: replicas starting together on a fresh database take turns. */
const MIGRATION_LOCK_KEY = 716_204_113;

/**
 * Applies pending migrations while holding a session advisory lock, so one replica migrates and the others
 * wait and then find nothing left to do (TypeORM itself does not coordinate concurrent runners).
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Ready means every migration the code knows has been applied. */
export async function hasPendingMigrations(dataSource: DataSource): Promise<boolean> {
  return dataSource.showMigrations();
}
