import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/** PERSONAL_DATA_RETENTION_DAYS: personal data older than this is purged automatically; 0 disables. */
export function readRetentionConfig(reader: EnvReader): AppConfig['retention'] {
  return { personalDataDays: reader.integer('PERSONAL_DATA_RETENTION_DAYS', 90, 0, 36500) };
}
