import { LOG_LEVELS, type AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/**
 * PORT, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS, and what a connection may hold: the time to send a request's head and the
 * whole request, and how many connections are open at once (a client that sends slowly, or not at all, is
 * disconnected; one past the cap is refused at once).
 */
export function readServerConfig(reader: EnvReader): AppConfig['server'] {
  const headersTimeoutMs = reader.integer('HTTP_HEADERS_TIMEOUT_MS', 10000, 500, 300000);
  const requestTimeoutMs = reader.integer('HTTP_REQUEST_TIMEOUT_MS', 30000, 500, 3600000);
  if (headersTimeoutMs > requestTimeoutMs)
    reader.problem('HTTP_HEADERS_TIMEOUT_MS', 'must not be more than HTTP_REQUEST_TIMEOUT_MS');
  return {
    port: reader.integer('PORT', 3000, 0, 65535),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 15000, 0, 600000),
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections: reader.integer('HTTP_MAX_CONNECTIONS', 1000, 1, 1000000),
  };
}
