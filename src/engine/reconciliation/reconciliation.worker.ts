import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Clock } from '../clock/clock.js';
import { MAX_MEDIUM_FAILURES, type MediaPlanEntry } from '../domain/media-plan.js';
import { JumioPayloadError } from '../domain/product-contracts.js';
import { retrievalRetryDelayMs, scheduleOf, type RetrievalSchedule } from '../domain/retrieval-schedule.js';
import {
  isExpired,
  onCallbackDeadline,
  onCallbackMediaStored,
  onExhausted,
  onRetrievalComplete,
  onStatusAnswer,
  type StatusAnswer,
} from '../domain/tracking-state-machine.js';
import type { JumioCallFailure, JumioJsonResult, JumioMediumResult } from '../jumio-transport/jumio-call-result.js';
import type { CallType, JumioCallRecord } from '../persistence/attempt-log.js';
import { GroupedStepWriter } from '../persistence/grouped-step-writer.js';
import { trackingRecordOf as record } from '../persistence/tracking-record.js';
import type { StepWrites } from '../persistence/step-saves.js';
import { TransactionClaims, type ClaimedTransaction } from '../persistence/transaction-claims.js';
import type { ProductDefinition } from '../product-kit/product-definition.js';
import { ProductRegistry } from '../product-kit/product-registry.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { normalizeContextOf } from '../normalization/normalize-context.js';
import { ClaimedStep, LeaseLost } from './claimed-step.js';
import { JumioDeletionStep } from './jumio-deletion-step.js';
import { StepOutcomes } from './step-outcomes.js';
import { deletionPending, onEverythingStored } from '../domain/jumio-deletion.js';
import { transactionAttributes } from './step-tracing.js';
import { EngineTracing } from '../tracing/engine-tracing.js';

/** Failures that will not get better by asking again: recorded once, never retried. */
const PERMANENT_MEDIUM_FAILURES = new Set(['REFUSED', 'FORBIDDEN', 'NOT_FOUND', 'TOO_LARGE']);

type CallResult = JumioJsonResult | JumioMediumResult | JumioCallFailure;

/** A call that was never sent (shutdown, or a paused account): the claim is given back, nothing is written. */
const notSent = (res: CallResult): boolean =>
  !res.ok && (res.failure === 'CANCELLED' || res.failure === 'ACCOUNT_PAUSED');

/** Not the transaction's fault, not an attempt: the account's credentials, or a call that never reached Jumio. */
const notAnAttempt = (res: CallResult): boolean =>
  !res.ok && (res.failure === 'CREDENTIALS_REJECTED' || res.failure === 'UNREACHED');

/**
 * Carries one claimed transaction as far as it can go now: the callback deadline, one status call (Jumio's
 * counted attempt), and once the status is final the details (the decision: the claim ends there and the media
 * are a later claim, so that a backlog's decisions come before its images), or whatever media are still missing,
 * each stored as soon as it arrives so an interrupted retrieval resumes with only what is missing. Every write is
 * fenced by the claim (see StepSaves.applyStep), and concurrent steps' saves share a commit (GroupedStepWriter).
 */
@Injectable()
export class ReconciliationWorker {
  private readonly logger = new Logger(ReconciliationWorker.name);
  private readonly schedule: RetrievalSchedule;

  constructor(
    private readonly claims: TransactionClaims,
    private readonly writer: GroupedStepWriter,
    private readonly products: ProductRegistry,
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    private readonly tracing: EngineTracing,
    private readonly deletion: JumioDeletionStep,
    private readonly outcomes: StepOutcomes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
  }

  /** One claimed transaction, in a span linked to the request that started tracking it (tracing on). */
  process(row: ClaimedTransaction, owner: string, shouldStop: () => boolean): Promise<void> {
    const attributes = { ...transactionAttributes(row), 'jumio_fallback.state': row.state };
    return this.tracing.inSpan('reconciliation.step', attributes, () => this.processStep(row, owner, shouldStop), {
      links: [row.startedByTrace],
    });
  }

  private async processStep(row: ClaimedTransaction, owner: string, shouldStop: () => boolean): Promise<void> {
    const step = new ClaimedStep(row, owner, this.claims, this.writer, this.clock, this.config.reconciler.leaseSeconds);
    step.traceSavesWith(this.tracing);
    try {
      if (row.previousOwner) await this.outcomes.recordTakeover(step, row.previousOwner);
      await this.advance(step, this.products.get(row.kind), shouldStop);
    } catch (e) {
      if (e instanceof LeaseLost) return;
      this.logger.error({ err: e, kind: row.kind, transactionId: row.id }, 'reconciliation step failed');
      await this.backOff(step).catch(() => this.claims.release(row.id, owner, row.forcedBy).catch(() => undefined));
    }
  }

  /**
   * A step that failed for a reason of our own (a bug, the database) must not be claimed again at once and call
   * Jumio in a loop: the transaction waits the retrieval retry delay, with the cause kept generic (the log has it).
   */
  private async backOff(step: ClaimedStep): Promise<void> {
    const next = new Date(this.clock.now().getTime() + retrievalRetryDelayMs(this.schedule));
    await step.save({
      patch: { lastError: 'internal error while reconciling; see the service log', nextAttemptAt: next },
      keepLease: false,
    });
  }

  private async advance(step: ClaimedStep, product: ProductDefinition, shouldStop: () => boolean): Promise<void> {
    const row = step.row;
    // Everything is stored (or an erasure asked for it): what is left is the delete at Jumio.
    if (deletionPending(row)) return this.deletion.run(step, product, shouldStop);
    if (row.state === 'AWAITING_CALLBACK') {
      const t = onCallbackDeadline(record(row), this.clock.now(), this.schedule);
      const dueNow = t.patch.nextAttemptAt!.getTime() <= this.clock.now().getTime();
      // Saved before the status call, not with its answer: while the call is in flight the row must read
      // RECONCILING, or a force or a callback report would take it for a transaction nobody works on, drop the
      // claim, and the call's answer (an attempt Jumio counted) would be lost.
      await step.save({ patch: t.patch, events: t.events, keepLease: dueNow });
      if (!dueNow) return;
    }
    if (row.state === 'CALLBACK_RECEIVED') {
      // Filled from Jumio's callback (the status is final, the details are stored): only the media remain. A
      // callback a backend reported itself stored nothing here, and nothing is fetched for it.
      if (row.result == null || (row.status !== 'DONE' && row.status !== 'FAILED'))
        return step.save({ patch: { nextAttemptAt: null }, keepLease: false });
      // The media of a callback get the same maximum age as a retrieval, counted from the callback's arrival.
      if (isExpired({ acquiredAt: row.callbackReceivedAt ?? row.acquiredAt }, this.clock.now(), this.schedule)) {
        const error = 'gave up fetching the media: the maximum age passed';
        return step.save({ patch: { nextAttemptAt: null, lastError: error }, keepLease: false });
      }
      if (shouldStop()) return step.release();
      if (
        row.callbackCompletionPending &&
        product.callbacks.completion &&
        !(await this.completeCallback(step, product))
      )
        return;
      return this.retrieve(step, product, shouldStop);
    }
    if (row.state !== 'RECONCILING') return step.release();
    if (isExpired(row, this.clock.now(), this.schedule)) {
      const t = onExhausted();
      return step.save({ patch: t.patch, events: t.events, keepLease: false });
    }
    if (row.status !== 'DONE' && row.status !== 'FAILED') {
      if (shouldStop()) return step.release();
      const final = await this.checkStatus(step, product);
      if (!final) return;
    }
    if (shouldStop()) return step.release();
    await this.retrieve(step, product, shouldStop);
  }

  /** One status call. Returns whether the status is now final. */
  private async checkStatus(step: ClaimedStep, product: ProductDefinition): Promise<boolean> {
    const at = this.clock.now();
    const res = await step.traced('status', product.gateway.fetchStatus(step.target));
    if (notSent(res)) return step.release().then(() => false);
    if (notAnAttempt(res))
      return this.outcomes.noAttempt(step, 'status', at, res as JumioCallFailure).then(() => false);
    let answer: StatusAnswer;
    let outcome: string;
    const extra: StepWrites['patch'] = {};
    if (res.ok) {
      try {
        const verdict = product.normalizer.readStatus(res.json);
        outcome = verdict.final ? verdict.status : 'PENDING';
        answer =
          verdict.final && verdict.status !== 'PENDING'
            ? { type: 'final', status: verdict.status, raw: verdict.raw }
            : { type: 'pending', raw: verdict.raw };
        if (verdict.final) extra.rawStatus = res.json;
      } catch (e) {
        if (!(e instanceof JumioPayloadError)) throw e;
        outcome = 'MALFORMED';
        answer = { type: 'failure', error: `malformed status answer: ${e.message}` };
      }
    } else if (res.failure === 'NOT_FOUND') {
      outcome = 'NOT_FOUND';
      answer = { type: 'not-found' };
    } else {
      outcome = res.failure;
      // A hostile Retry-After cannot push the next attempt past the daily rhythm.
      const cap = this.config.reconciler.dailyIntervalSeconds * 1000;
      answer = {
        type: 'failure',
        error: res.error,
        retryAfterMs: res.retryAfterMs === null ? null : Math.min(res.retryAfterMs, cap),
      };
    }
    this.metrics.attempts.inc({ kind: step.row.kind, outcome });
    const error = answer.type === 'failure' ? answer.error : null;
    const calls = this.outcomes.callRecords(step, 'status', at, res, outcome, true, error);
    const t = onStatusAnswer(record(step.row), answer, at, this.schedule);
    const final = answer.type === 'final';
    if (step.row.unreachedFailures > 0) extra.unreachedFailures = 0;
    await step.save({ patch: { ...t.patch, ...extra }, events: t.events, calls, keepLease: final });
    return final;
  }

  /** The one details call that completes a view filled from a callback (ProductCallbackReader.completion). */
  private async completeCallback(step: ClaimedStep, product: ProductDefinition): Promise<boolean> {
    const row = step.row;
    const completion = product.callbacks.completion!;
    const read = (answer: unknown) => {
      const details = completion.merge(row.rawDetails, answer);
      return { details, result: product.normalizer.normalize(details, normalizeContextOf(row.kind, row.reference)) };
    };
    const got = await this.fetchAndRead(
      step,
      'details',
      step.traced('details', product.gateway.fetchSubresource(step.target, completion.subresource)),
      null,
      read,
    );
    if (!got) return false;
    await step.save({
      patch: { rawDetails: got.value.details, result: got.value.result, callbackCompletionPending: false },
      calls: got.calls,
      keepLease: true,
    });
    return true;
  }

  private async retrieve(step: ClaimedStep, product: ProductDefinition, shouldStop: () => boolean): Promise<void> {
    const row = step.row;
    const context = normalizeContextOf(row.kind, row.reference);
    if (row.rawDetails == null) {
      const read = (details: unknown) => product.normalizer.normalize(details, context);
      const got = await this.fetchAndRead(
        step,
        'details',
        step.traced('details', product.gateway.fetchDetails(step.target)),
        row.rawStatus,
        read,
      );
      if (!got) return;
      if (row.state !== 'RECONCILING')
        await step.save({ patch: { rawDetails: got.raw, result: got.value }, calls: got.calls, keepLease: true });
      // A forced reconcile goes on to the media in the same claim (its calls carry the force's actor).
      else if (!(await this.decisionStored(step, got, row.forcedBy !== null))) return;
    }
    if (row.mediaPlan == null) {
      const read = (listed: unknown): MediaPlanEntry[] =>
        product.normalizer.mediaRefs(listed, row.rawDetails).map((ref) => ({ ...ref, outcome: null, reason: null }));
      const listed = step.traced('media-list', product.gateway.fetchMediaList(step.target));
      const got = await this.fetchAndRead(step, 'media-list', listed, null, read);
      if (!got) return;
      const writes = { patch: { rawMediaList: got.raw, mediaPlan: got.value }, calls: got.calls };
      // Nothing to fetch: no call comes between this and the completion, which writes both.
      if (got.value.length === 0) step.defer(writes);
      else await step.save({ ...writes, keepLease: true });
    }
    for (const entry of row.mediaPlan ?? []) {
      if (entry.outcome !== null) continue;
      if (shouldStop()) return step.release();
      const at = this.clock.now();
      const res = await step.traced('medium', product.gateway.fetchMedium(step.target, entry), entry.name);
      if (notSent(res)) return step.release();
      if (notAnAttempt(res)) return this.outcomes.noAttempt(step, 'medium', at, res as JumioCallFailure);
      const plan = (row.mediaPlan ?? []).map((e) => ({ ...e }));
      const mine = plan.find((e) => e.name === entry.name)!;
      if (res.ok) {
        mine.outcome = 'STORED';
        await step.save({
          patch: { mediaPlan: plan },
          calls: this.outcomes.callRecords(step, 'medium', at, res, 'STORED', false, null),
          media: [{ name: entry.name, medium: { bytes: res.bytes, contentType: res.contentType } }],
          keepLease: true,
        });
      } else {
        const calls = this.outcomes.callRecords(
          step,
          'medium',
          at,
          res,
          res.failure,
          false,
          `${entry.name}: ${res.error}`,
        );
        mine.failures = (mine.failures ?? 0) + 1;
        const permanent = PERMANENT_MEDIUM_FAILURES.has(res.failure);
        if (!permanent && mine.failures < MAX_MEDIUM_FAILURES)
          return this.outcomes.retryLater(step, calls, res, { mediaPlan: plan });
        mine.outcome = 'REFUSED';
        mine.reason = permanent ? res.error : `gave up after ${mine.failures} failed tries: ${res.error}`;
        await step.save({ patch: { mediaPlan: plan }, calls, keepLease: true });
      }
    }
    const t =
      row.state === 'CALLBACK_RECEIVED'
        ? onCallbackMediaStored(this.clock.now())
        : onRetrievalComplete(this.clock.now());
    // A medium whose href was refused stays visible on the view (without Jumio's href: the attempt log has it).
    const refused = (row.mediaPlan ?? []).filter((e) => e.outcome === 'REFUSED' && e.reason?.startsWith('refused'));
    if (refused.length > 0) {
      const names = refused.map((e) => e.name).join(', ');
      t.patch.lastError = `media not stored: ${names}: the href points outside the ${step.row.datacenter} host configured for it (the attempt log has the refusal)`;
    }
    if (row.unreachedFailures > 0) Object.assign(t.patch, { unreachedFailures: 0 });
    Object.assign(t.patch, onEverythingStored(row, this.clock.now()));
    await step.save({ patch: t.patch, events: t.events, keepLease: false });
  }

  /**
   * The decision (final status and details) is stored and published (RESULT_STORED). Unless `goOn`, the claim
   * ends there and the media are left to a later claim, due at once but ranked after every due details and status
   * call (see TransactionClaims). Returns `goOn`.
   */
  private async decisionStored(
    step: ClaimedStep,
    got: { raw: unknown; value: Record<string, unknown>; calls: JumioCallRecord[] },
    goOn: boolean,
  ): Promise<boolean> {
    const now = this.clock.now();
    await step.save({
      patch: { rawDetails: got.raw, result: got.value, ...(goOn ? {} : { nextAttemptAt: now }) },
      calls: got.calls,
      events: ['RESULT_STORED'],
      keepLease: goOn,
    });
    const row = step.row;
    // From the missed callback (its deadline), or from a backend's FAILED report when that came first.
    const from = Math.min(
      new Date(row.callbackDeadline).getTime(),
      row.reconcileStartedAt ? new Date(row.reconcileStartedAt).getTime() : Infinity,
    );
    this.metrics.timeToDecision.observe({ kind: row.kind }, Math.max(0, (now.getTime() - from) / 1000));
    return goOn;
  }

  /**
   * Makes an optional JSON call (null: the product has no such call and `fallback` is the payload) and reads
   * its answer. A failed call or an unreadable answer schedules a retry and returns null.
   */
  private async fetchAndRead<T>(
    step: ClaimedStep,
    callType: CallType,
    request: Promise<JumioJsonResult> | null,
    fallback: unknown,
    read: (payload: unknown) => T,
  ): Promise<{ raw: unknown; value: T; calls: JumioCallRecord[] } | null> {
    const at = this.clock.now();
    let raw = fallback;
    let calls: JumioCallRecord[] = [];
    if (request) {
      const res = await request;
      if (notSent(res)) {
        await step.release();
        return null;
      }
      if (notAnAttempt(res)) {
        await this.outcomes.noAttempt(step, callType, at, res as JumioCallFailure);
        return null;
      }
      if (!res.ok) {
        const calls = this.outcomes.callRecords(step, callType, at, res, res.failure, false, res.error);
        if (res.failure === 'NOT_FOUND' && step.row.state === 'CALLBACK_RECEIVED') {
          // Jumio's callback said the transaction is final, yet this data center does not have it: asking again
          // will not help (typically the data center was guessed for a reference no backend tracked).
          const error = `the Retrieval API of ${step.row.datacenter} does not have this transaction (404); its media could not be fetched`;
          await step.save({ patch: { nextAttemptAt: null, lastError: error }, calls, keepLease: false });
          return null;
        }
        await this.outcomes.retryLater(step, calls, res);
        return null;
      }
      raw = res.json;
      calls = this.outcomes.callRecords(step, callType, at, res, 'STORED', false, null);
    }
    try {
      return { raw, value: read(raw), calls };
    } catch (e) {
      if (!(e instanceof JumioPayloadError)) throw e;
      const error = `malformed ${callType}: ${e.message}`;
      const last = calls.length - 1;
      const logged = calls.map((c, i) => (i === last ? { ...c, outcome: 'MALFORMED', error } : c));
      await this.outcomes.retryLater(step, logged, { error, retryAfterMs: null });
      return null;
    }
  }
}
