import { LOG_LEVELS, type AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/** PORT, LOG_LEVEL and SHUTDOWN_TIMEOUT_MS. */
export function readServerConfig(reader: EnvReader): AppConfig['server'] {
  return {
    port: reader.integer('PORT', 3000, 0, 65535),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 15000, 0, 600000),
  };
}
