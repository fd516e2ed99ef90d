import type { EnvReader } from './env-reader.js';

/**
 * The sandbox shrinks time so the README's walk-through finishes in well under a minute; every value can
 * still be overridden by its variable.
 */
export const SANDBOX_TIME_DEFAULTS = {
  callbackGraceSeconds: 5,
  schedule: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
  dailyIntervalSeconds: 30,
  maxAgeDays: 0.01,
};

/** The development key the sandbox accepts when API_KEYS is not set (README, "Sandbox"). */
export const SANDBOX_API_KEYS = 'sandbox:admin:sandbox-admin-key,sandbox-backend:transactions:sandbox-backend-key';
/** What the in-process simulator expects when JUMIO_API_TOKEN and JUMIO_API_SECRET are not set. */
export const SANDBOX_JUMIO_CREDENTIALS = { token: 'sandbox-token', secret: 'sandbox-secret' };
export const SANDBOX_USER_AGENT = 'jumio-fallback sandbox/0.1';
/** The simulator posts its callbacks from loopback. */
export const SANDBOX_CALLBACK_SOURCES = ['127.0.0.1/32', '::1/128'];

/** SANDBOX_SIMULATOR_PORT: the in-process simulator's port (0: any free one). */
export function readSandboxSimulatorPort(reader: EnvReader): number {
  return reader.integer('SANDBOX_SIMULATOR_PORT', 0, 0, 65535);
}
