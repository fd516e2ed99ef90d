import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';
import { SANDBOX_TIME_DEFAULTS } from './sandbox.config.js';

/** Jumio's recommended attempt offsets from acquiredAt (retrieval-rules.md). */
export const JUMIO_DEFAULT_SCHEDULE = [40, 60, 100, 160, 240, 340, 460, 600, 760, 940];

/**
 * The reconciler's timing: grace, schedule, daily interval and maximum age (shrunk in the sandbox), then its
 * lease, polling and switch. Small values are accepted on purpose: tests and demos shrink them.
 */
export function readReconcilerConfig(reader: EnvReader, mode: RuntimeMode): AppConfig['reconciler'] {
  const sandbox = mode.sandbox;
  return {
    callbackGraceSeconds: reader.integer(
      'CALLBACK_GRACE_SECONDS',
      sandbox ? SANDBOX_TIME_DEFAULTS.callbackGraceSeconds : 300,
      0,
      86400,
    ),
    scheduleSeconds: readSchedule(reader, sandbox ? SANDBOX_TIME_DEFAULTS.schedule : JUMIO_DEFAULT_SCHEDULE),
    dailyIntervalSeconds: reader.integer(
      'RETRIEVAL_DAILY_INTERVAL_SECONDS',
      sandbox ? SANDBOX_TIME_DEFAULTS.dailyIntervalSeconds : 86400,
      1,
      10 * 365 * 86400,
    ),
    maxAgeDays: reader.positiveNumber(
      'RETRIEVAL_MAX_AGE_DAYS',
      sandbox ? SANDBOX_TIME_DEFAULTS.maxAgeDays : 30,
      'days, fractions allowed',
    ),
    leaseSeconds: reader.integer('RECONCILER_LEASE_SECONDS', 60, 1, 3600),
    pollIntervalMs: reader.integer('RECONCILER_POLL_INTERVAL_MS', 250, 10, 60000),
    enabled: reader.boolean('RECONCILER_ENABLED', true),
  };
}

/** RETRIEVAL_SCHEDULE_SECONDS: 1 to 10 strictly increasing positive whole numbers. */
function readSchedule(reader: EnvReader, fallback: number[]): number[] {
  const value = reader.raw('RETRIEVAL_SCHEDULE_SECONDS');
  if (value === undefined) return fallback;
  const parts = value.split(',').map((part) => part.trim());
  const offsets = parts.map(Number);
  const valid =
    parts.length >= 1 &&
    parts.length <= 10 &&
    parts.every((part) => /^\d+$/.test(part)) &&
    offsets.every((offset, index) => offset > 0 && (index === 0 || offset > offsets[index - 1]));
  if (!valid) {
    reader.problem(
      'RETRIEVAL_SCHEDULE_SECONDS',
      'accepts 1 to 10 strictly increasing positive whole numbers of seconds, comma-separated, e.g. 40,60,100',
    );
    return fallback;
  }
  return offsets;
}
