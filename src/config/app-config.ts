import type { AppConfig } from './config.types.js';
import { readCallbacksConfig } from './callbacks.config.js';
import { readDatabaseConfig } from './database.config.js';
import { EnvReader } from './env-reader.js';
import { readJumioConfig } from './jumio.config.js';
import { readRuntimeMode } from './mode.config.js';
import { readReconcilerConfig } from './reconciler.config.js';
import { readRetentionConfig } from './retention.config.js';
import { readSandboxSimulatorPort } from './sandbox.config.js';
import { readSecurityConfig } from './security.config.js';
import { readServerConfig } from './server.config.js';

// The rest of the service imports configuration from here; each area lives in its own *.config.ts.
export {
  LOG_LEVELS,
  SCOPES,
  type ApiKey,
  type AppConfig,
  type EgressProxy,
  type JumioAccount,
  type LogLevel,
  type Scope,
} from './config.types.js';
export { DEFAULT_ACCOUNT } from './jumio-accounts.config.js';
export { JUMIO_CALLBACK_SOURCES } from './callbacks.config.js';
export { JUMIO_DEFAULT_HOSTS } from './jumio.config.js';
export { JUMIO_DEFAULT_SCHEDULE } from './reconciler.config.js';
export { SANDBOX_API_KEYS, SANDBOX_JUMIO_CREDENTIALS, SANDBOX_TIME_DEFAULTS } from './sandbox.config.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds and validates the whole configuration, area by area through one reader, so that every problem is
 * reported at once (one line per variable); throws ConfigError listing them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const reader = new EnvReader(env);
  const mode = readRuntimeMode(reader);
  const server = readServerConfig(reader);
  const database = readDatabaseConfig(reader, mode);
  const security = readSecurityConfig(reader, mode);
  const jumio = readJumioConfig(reader, mode);
  const reconciler = readReconcilerConfig(reader, mode);
  const retention = readRetentionConfig(reader);
  const callbacks = readCallbacksConfig(reader, mode);
  const sandboxSimulatorPort = readSandboxSimulatorPort(reader);

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return {
    nodeEnv: mode.nodeEnv,
    sandbox: mode.sandbox,
    sandboxSimulatorPort,
    server,
    database,
    security,
    jumio,
    reconciler,
    retention,
    callbacks,
  };
}
