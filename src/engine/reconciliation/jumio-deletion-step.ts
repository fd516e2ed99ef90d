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
import { LeaseLost, type ClaimedStep } from './claimed-step.js';

/**
 * The delete at Jumio of a claimed transaction whose deletion is pending (see deletionPending): one DELETE under
 * the account's ceiling, sent only while the claim is still this replica's (checked, and the lease renewed, once
 * the rate slot is taken). 200 or 404 is done (JUMIO_DELETED); a rejection of the credentials waits for the
 * account; any other failure is retried after a back-off (onDeleteFailed). Never a status attempt.
 */
@Injectable()
export class JumioDeletionStep {
  private readonly schedule: RetrievalSchedule;

  constructor(
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
  }

  async run(step: ClaimedStep, product: ProductDefinition, shouldStop: () => boolean): Promise<void> {
    if (shouldStop()) return step.release();
    let lost = false;
    const stillOurs = () =>
      step.save({ patch: {}, keepLease: true }).then(
        () => true,
        (e: unknown) => {
          if (!(e instanceof LeaseLost)) throw e;
          lost = true;
          return false;
        },
      );
    const at = this.clock.now();
    const res = await step.traced('delete', product.gateway.deleteTransaction(step.target, stillOurs));
    if (lost) throw new LeaseLost();
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
