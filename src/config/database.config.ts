import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';

/**
 * DATABASE_URL (unset: the embedded PostgreSQL, refused in production), how long start-up waits for it,
 * MIGRATIONS_RUN and the embedded database's directory and port. The URL carries a password: problems name
 * the variable, never the value.
 */
export function readDatabaseConfig(reader: EnvReader, mode: RuntimeMode): AppConfig['database'] {
  const url = reader.raw('DATABASE_URL');
  if (url !== undefined && !/^postgres(ql)?:\/\/.+/.test(url)) {
    reader.problem(
      'DATABASE_URL',
      'accepts a PostgreSQL connection string postgres://user:password@host:port/database',
    );
  }
  if (url === undefined && mode.production) {
    reader.problem(
      'DATABASE_URL',
      'is required with NODE_ENV=production (the embedded PostgreSQL is for the sandbox and development only)',
    );
  }
  return {
    url,
    migrationsRun: reader.boolean('MIGRATIONS_RUN', true),
    embeddedDir: reader.string('EMBEDDED_DATABASE_DIR', './.data/pg'),
    embeddedPort: reader.integer('EMBEDDED_DATABASE_PORT', 54329, 1, 65535),
    // About a minute lets replicas start before their database; 0 tries once.
    startupWaitSeconds: reader.integer('DATABASE_STARTUP_WAIT_SECONDS', 60, 0, 3600),
  };
}
