import type { AppConfig } from '../../config/app-config.js';
import type { RetrievalSchedule } from '../domain/retrieval-schedule.js';

/** The retrieval schedule the configuration sets: attempt offsets, the daily interval, the maximum age. */
export function scheduleOf(config: AppConfig): RetrievalSchedule {
  return {
    offsetsSeconds: config.reconciler.scheduleSeconds,
    dailyIntervalSeconds: config.reconciler.dailyIntervalSeconds,
    maxAgeMs: config.reconciler.maxAgeDays * 86_400_000,
  };
}
