import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Clock } from '../clock/clock.js';
import {
  retrievalRetryDelayMs,
  scheduleOf,
  unreachedRetryAt,
  type RetrievalSchedule,
} from '../domain/retrieval-schedule.js';
import type { JumioCallFailure, JumioJsonResult, JumioMediumResult } from '../jumio-transport/jumio-call-result.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import type { CallType, JumioCallRecord } from '../persistence/attempt-log.js';
import type { StepWrites } from '../persistence/step-saves.js';
import { callRecords } from './call-records.js';
import type { ClaimedStep } from './claimed-step.js';

type CallResult = JumioJsonResult | JumioMediumResult | JumioCallFailure;

/**
 * The worker's saves for what is not a retrieval's progress: a takeover of an expired claim, our own failure, a call
 * that was not an attempt, a detail or medium to try again later; and the attempt-log records of a call.
 */
@Injectable()
export class StepOutcomes {
  private readonly schedule: RetrievalSchedule;

  constructor(
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
  }

  /**
   * The previous claim's lease expired before it saved: its replica died or stalled, perhaps with a call in
   * flight that Jumio answered but nobody recorded. The step is redone now; the log says so, so the one call
   * that may be repeated is accounted for.
   */
  async recordTakeover(step: ClaimedStep, previousOwner: string): Promise<void> {
    const error = `the claim ${previousOwner} expired before it was saved; a call it had in flight may have reached Jumio and is made again`;
    await step.save({
      patch: {},
      calls: [
        {
          at: this.clock.now(),
          endpoint: '(lease takeover)',
          callType: 'takeover',
          httpStatus: null,
          durationMs: 0,
          outcome: 'LEASE_EXPIRED',
          error,
          countsAsAttempt: false,
          claim: step.owner,
        },
      ],
      keepLease: true,
    });
  }

  /**
   * A call that is not the transaction's fault and not an attempt: the row keeps its attempts and schedule. Jumio
   * rejected the account's credentials (the account is paused; the step waits for it); or the call never reached
   * Jumio, and the step is tried again after a short back-off that doubles, never past its next slot.
   */
  async noAttempt(step: ClaimedStep, callType: CallType, at: Date, res: JumioCallFailure): Promise<void> {
    const calls = this.callRecords(step, callType, at, res, res.failure, false, res.error);
    if (res.failure === 'CREDENTIALS_REJECTED') {
      const patch = step.row.unreachedFailures > 0 ? { unreachedFailures: 0 } : {};
      return step.save({ patch, calls, keepLease: false });
    }
    const failures = step.row.unreachedFailures + 1;
    const history = { acquiredAt: new Date(step.row.acquiredAt), attemptsMade: step.row.attempts };
    const next = unreachedRetryAt(this.schedule, history, failures, this.clock.now(), callType === 'status');
    await step.save({
      patch: { unreachedFailures: failures, nextAttemptAt: next, lastError: res.error },
      calls,
      keepLease: false,
    });
  }

  /** Details and media that failed in transit are tried again later, never the status. */
  async retryLater(
    step: ClaimedStep,
    calls: JumioCallRecord[],
    failure: { error: string; retryAfterMs: number | null },
    extra: StepWrites['patch'] = {},
  ): Promise<void> {
    const now = this.clock.now().getTime();
    const delay = Math.max(retrievalRetryDelayMs(this.schedule), failure.retryAfterMs ?? 0);
    await step.save({
      patch: { ...extra, lastError: failure.error, nextAttemptAt: new Date(now + delay) },
      calls,
      keepLease: false,
    });
  }

  callRecords(
    step: ClaimedStep,
    callType: CallType,
    at: Date,
    res: CallResult,
    outcome: string,
    countsAsAttempt: boolean,
    error: string | null,
  ): JumioCallRecord[] {
    return callRecords(step, this.metrics, { callType, at, res, outcome, countsAsAttempt, error });
  }
}
