import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: callbacks that were not applied are counted for operators (GET /v1/admin/stats `callbacks`, the gauge
 * jumio_fallback_callbacks_set_aside) on every scrape. The MALFORMED ones stay until retention; this partial index
 * keeps their count from reading the whole inbox (the failing ones are unprocessed: jumio_callback_unprocessed).
 */
export class CallbacksSetAside1764220000000 implements MigrationInterface {
  name = 'CallbacksSetAside1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX jumio_callback_malformed ON jumio_callback (received_at) WHERE outcome = 'MALFORMED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jumio_callback_malformed`);
  }
}
