import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/**
 * PERSONAL_DATA_RETENTION_DAYS: personal data older than this is purged automatically; 0 disables.
 * JUMIO_DELETE_AFTER_RETRIEVAL: delete each transaction at Jumio once everything is stored (the track request's
 * `deleteAtJumio` overrides it).
 */
export function readRetentionConfig(reader: EnvReader): AppConfig['retention'] {
  return {
    personalDataDays: reader.integer('PERSONAL_DATA_RETENTION_DAYS', 90, 0, 36500),
    deleteAtJumioAfterRetrieval: reader.boolean('JUMIO_DELETE_AFTER_RETRIEVAL', false),
  };
}
