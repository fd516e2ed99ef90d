import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Clock } from '../clock/clock.js';
import { onDeleteFailed, onJumioDeleted } from '../domain/jumio-deletion.js';
import { scheduleOf, type RetrievalSchedule } from '../domain/retrieval-schedule.js';
import type { JumioDeleteResult } from '../jumio-transport/jumio-call-result.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import type { ProductDefinition } from '../product-kit/product-definition.js';
import { callRecords } from './call-records.js';
import type { ClaimedStep } from './claimed-step.js';

/** A delete is sent only while this much of the renewed lease is still left (what the clocks cannot tell apart). */
const LEASE_MARGIN_MS = 1000;

/**
 * The delete at Jumio of a claimed transaction whose deletion is pending (see deletionPending): one DELETE under
 * the account's ceiling, sent only while the claim is still this replica's: the lease is renewed (a fenced save)
 * before the call waits for its rate slot, and the call goes only if the renewed lease has not run out by the time
 * the slot comes (timed on this process's monotonic clock, so no round trip delays the send past its slot). 200 or
 * 404 is done (JUMIO_DELETED); a rejection of the credentials waits for the account; any other failure is retried
 * after a back-off (onDeleteFailed). Never a status attempt.
 */
@Injectable()
export class JumioDeletionStep {
  private readonly schedule: RetrievalSchedule;
  private readonly leaseMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
    this.leaseMs = config.reconciler.leaseSeconds * 1000;
  }

  async run(step: ClaimedStep, product: ProductDefinition, shouldStop: () => boolean): Promise<void> {
    if (shouldStop()) return step.release();
    const renewing = performance.now();
    await step.save({ patch: {}, keepLease: true });
    const stillOurs = () => performance.now() - renewing < this.leaseMs - LEASE_MARGIN_MS;
    const at = this.clock.now();
    const res = await step.traced('delete', product.gateway.deleteTransaction(step.target, stillOurs));
    if (!res.ok && (res.failure === 'CANCELLED' || res.failure === 'ACCOUNT_PAUSED')) return step.release();
    const done = res.ok || res.failure === 'NOT_FOUND';
    const outcome = res.ok ? 'DELETED' : res.failure;
    const error = res.ok || done ? null : res.error;
    const calls = callRecords(step, this.metrics, {
      callType: 'delete',
      at,
      res,
      outcome,
      countsAsAttempt: false,
      error,
    });
    if (done) {
      const t = onJumioDeleted(this.clock.now());
      return step.save({ patch: t.patch, events: t.events, calls, keepLease: false });
    }
    const failure = res as Extract<JumioDeleteResult, { ok: false }>;
    if (failure.failure === 'CREDENTIALS_REJECTED') {
      // The account is paused: the delete stays due and waits for it, like any other call.
      return step.save({ patch: { jumioDeletionError: failure.error }, calls, keepLease: false });
    }
    const patch = onDeleteFailed(step.row, failure, this.clock.now(), this.schedule);
    await step.save({ patch, calls, keepLease: false });
  }
}
