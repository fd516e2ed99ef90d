import path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { StoredMediumEntity } from '../engine/media/stored-medium.entity.js';
import { ChangeEventEntity } from '../engine/persistence/change-event.entity.js';
import { JumioCallEntity } from '../engine/persistence/jumio-call.entity.js';
import { TrackedTransactionEntity } from '../engine/persistence/tracked-transaction.entity.js';

export const ENTITIES = [TrackedTransactionEntity, JumioCallEntity, StoredMediumEntity, ChangeEventEntity];

/**
 * Compiled migrations live in dist/migrations (this file compiles to dist/src/database). Under jest the
 * TypeScript sources are loaded instead, which the swc transform handles.
 */
const MIGRATIONS_GLOB = path.join(__dirname, '..', '..', 'migrations', `*.${__filename.endsWith('.ts') ? 'ts' : 'js'}`);

export function databaseOptions(
  url: string,
  extra: { poolSize?: number; applicationName?: string } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'typeorm_migrations',
    // Never synchronize: the schema changes only through reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    installExtensions: false,
    logging: false,
    poolSize: extra.poolSize ?? 20,
    extra: {
      application_name: extra.applicationName ?? 'jumio-fallback',
      connectionTimeoutMillis: 5000,
      // Keep serving after the database went away: idle clients that died are dropped, new ones reconnect.
      keepAlive: true,
    },
  };
}
