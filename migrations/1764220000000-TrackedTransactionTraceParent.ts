import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenTelemetry traces: started_by_trace is the W3C traceparent of the request that started tracking the
 * transaction (NULL with tracing off, or when a callback started it), so the reconciliation spans of later
 * claims link back to it. Trace and span ids only, never personal data.
 */
export class TrackedTransactionTraceParent1764220000000 implements MigrationInterface {
  name = 'TrackedTransactionTraceParent1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracked_transaction ADD COLUMN started_by_trace text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracked_transaction DROP COLUMN started_by_trace`);
  }
}
