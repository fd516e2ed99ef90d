import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccountStates } from '../engine/accounts/account-states.js';
import { Clock } from '../engine/clock/clock.js';
import type { Kind } from '../common/kinds.js';
import { type RetrievalSchedule, scheduleOf } from '../engine/domain/retrieval-schedule.js';
import { FINAL_STATES, onCallbackReported, onPersonalDataPurged } from '../engine/domain/tracking-state-machine.js';
import { onDeleteAtJumioAsked } from '../engine/domain/jumio-deletion.js';
import { readRequestTimestamp } from '../engine/domain/timestamp-reader.js';
import { EngineException } from '../engine/engine.exception.js';
import { MediaStore } from '../engine/media/media-store.js';
import { AttemptLog } from '../engine/persistence/attempt-log.js';
import type { TrackedTransactionEntity } from '../engine/persistence/tracked-transaction.entity.js';
import {
  TrackedTransactionRepository,
  type ForcedAttempt,
} from '../engine/persistence/tracked-transaction.repository.js';
import { TransactionReports, type TransactionFilter } from '../engine/persistence/transaction-reports.js';
import { PersonalDataPurge } from '../engine/retention/personal-data-purge.js';
import { toView, type TrackingView } from '../engine/tracking/tracking-view.js';
import { notTracked, TrackingService } from '../engine/tracking/tracking.service.js';
import type { AttemptDto, ListTransactionsQueryDto } from './admin-transactions.dto.js';
import { decodeListCursor, encodeListCursor } from './transaction-cursor.js';

export const DEFAULT_PAGE_SIZE = 50;

/** Search, inspect, force and purge transactions of every kind (`/v1/admin/transactions`). */
@Injectable()
export class AdminTransactionsService {
  private readonly schedule: RetrievalSchedule;

  constructor(
    private readonly transactions: TrackedTransactionRepository,
    private readonly reports: TransactionReports,
    private readonly personalData: PersonalDataPurge,
    private readonly mediaStore: MediaStore,
    private readonly attemptLog: AttemptLog,
    private readonly clock: Clock,
    private readonly tracking: TrackingService,
    private readonly accountStates: AccountStates,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
  }

  /** Newest first; `next` is null on the last page. Two queries per page, whatever its size: rows, then media. */
  async list(query: ListTransactionsQueryDto): Promise<{ items: TrackingView[]; next: string | null }> {
    const filter = filterOf(query);
    const after = query.cursor !== undefined ? decodeListCursor(query.cursor, filter) : null;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.reports.list(filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const [media] = await Promise.all([
      this.mediaStore.listMany(page.map((r) => r.row.id)),
      this.accountStates.fresh(),
    ]);
    return {
      items: page.map(({ row }) => toView(row, media.get(row.id) ?? [], this.accountStates.stateOf(row))),
      next: rows.length > limit ? encodeListCursor(page[page.length - 1].position, filter) : null,
    };
  }

  /** Every call made to Jumio for the transaction, oldest first (one call at a time per transaction: id order is time order). */
  async attempts(kind: Kind, reference: string): Promise<{ items: AttemptDto[] }> {
    const row = await this.get(kind, reference);
    const calls = await this.attemptLog.forTransaction(row.id);
    return {
      items: calls.map((c) => ({
        at: new Date(c.at).toISOString(),
        endpoint: c.endpoint,
        callType: c.callType,
        httpStatus: c.httpStatus,
        durationMs: c.durationMs,
        outcome: c.outcome,
        error: c.error,
        countsAsAttempt: c.countsAsAttempt,
        actor: c.actor,
      })),
    };
  }

  /**
   * Schedules an attempt now on behalf of `actor` (an API key's name). The reconciler runs it through the normal
   * claim (one call at a time per transaction) and the rate ceiling, and writes `actor` on the calls it makes.
   * 409 when the transaction is final, or when its account is paused (Jumio rejects its credentials: no call of it
   * goes out but the account's probe).
   */
  async reconcile(kind: Kind, reference: string, actor: string): Promise<TrackingView> {
    const now = this.clock.now();
    const row = await this.get(kind, reference);
    await this.accountStates.refresh();
    if (this.accountStates.isPaused(row) && !FINAL_STATES.includes(row.state)) {
      throw new EngineException('ACCOUNT_PAUSED', [
        `the Jumio account ${row.account} (${row.datacenter}) is paused: Jumio rejects its credentials; it resumes by itself once a probe is accepted`,
      ]);
    }
    const result = await this.transactions.forceAttempt(kind, reference.toLowerCase(), actor, now, (row) =>
      forcedAttempt(row, now, this.schedule),
    );
    if (!result) throw notTracked(kind, reference);
    if (!result.forced)
      throw new EngineException('TRANSACTION_FINAL', [
        result.row.jumioDeletionRequestedAt != null
          ? 'deleted at Jumio (or being deleted): nothing to re-check'
          : `already ${result.row.state}: nothing to re-check`,
      ]);
    return this.toView(result.row);
  }

  /**
   * Deletes the transaction's personal data and keeps its tracking record and attempt log; again: the same answer,
   * no second event. `atJumio`: deletes it at Jumio too, whatever its state.
   */
  async purge(kind: Kind, reference: string, atJumio = false): Promise<TrackingView> {
    const now = this.clock.now();
    const result = await this.personalData.purgePersonalData(
      kind,
      reference.toLowerCase(),
      now,
      (row) => onPersonalDataPurged(row, now),
      { atJumio },
    );
    if (!result) throw notTracked(kind, reference);
    return this.toView(result.row);
  }

  /**
   * Deletes the transaction at Jumio without purging the local copy, once everything is stored (see
   * onDeleteAtJumioAsked); 409 when it is already deleted there or was never found there.
   */
  async deleteAtJumio(kind: Kind, reference: string): Promise<TrackingView> {
    const now = this.clock.now();
    let refusal: string | null = null;
    const row = await this.transactions.updateLocked(
      kind,
      reference.toLowerCase(),
      (current) => {
        const decision = onDeleteAtJumioAsked(current, now);
        if (typeof decision === 'string') refusal = decision;
        return decision === null || typeof decision === 'string' ? null : { patch: decision, events: [] };
      },
      now,
    );
    if (!row) throw notTracked(kind, reference);
    if (refusal !== null) throw new EngineException('JUMIO_DELETION_REFUSED', [refusal]);
    return this.toView(row);
  }

  private get(kind: Kind, reference: string): Promise<TrackedTransactionEntity> {
    return this.tracking.get(kind, reference);
  }

  private toView(row: TrackedTransactionEntity): Promise<TrackingView> {
    return this.tracking.toView(row);
  }
}

/**
 * What forcing an attempt does, by state:
 * - final (RETRIEVED, NOT_FOUND, EXHAUSTED, PURGED), or deleted (being deleted) at Jumio: refused (409), there is
 *   nothing to re-check;
 * - RECONCILING: the next step is brought forward to now; a claim in flight keeps going (one call at a time) and
 *   the force is honoured when it finishes;
 * - AWAITING_CALLBACK, CALLBACK_RECEIVED: reconciliation starts now, as for a FAILED callback report (state
 *   RECONCILING, event CALLBACK_MISSED, any claim dropped): an admin who asks for a check does not want to wait for the
 *   grace period, and a CALLBACK_RECEIVED that they doubt is treated like the backend's own FAILED after RECEIVED.
 * A Retry-After Jumio gave for the transaction still holds: the attempt is due when it ends, if that is later.
 */
export function forcedAttempt(
  row: TrackedTransactionEntity,
  now: Date,
  schedule: RetrievalSchedule,
): ForcedAttempt | null {
  // Deleted at Jumio, or being deleted: there is nothing left to re-check there either.
  if (FINAL_STATES.includes(row.state) || row.jumioDeletionRequestedAt != null) return null;
  const retryAfter = row.retryAfterUntil ? new Date(row.retryAfterUntil) : null;
  const dueAt = retryAfter && retryAfter.getTime() > now.getTime() ? retryAfter : now;
  if (row.state === 'RECONCILING') {
    const current = row.nextAttemptAt ? new Date(row.nextAttemptAt) : null;
    const next = current && current.getTime() <= dueAt.getTime() ? current : dueAt;
    return { patch: { nextAttemptAt: next }, events: [], dueAt, dropLease: false };
  }
  // As a FAILED report, except when: a FAILED report after earlier attempts keeps Jumio's spacing; an admin's
  // force is for now.
  const t = onCallbackReported(row, 'FAILED', now, now, schedule);
  return { patch: { ...t.patch, nextAttemptAt: dueAt }, events: t.events, dueAt, dropLease: true };
}

function filterOf(query: ListTransactionsQueryDto): TransactionFilter {
  const filter: TransactionFilter = {
    kind: query.kind,
    state: query.state,
    status: query.status,
    customerReference: query.customerReference,
    merchantReference: query.merchantReference,
    account: query.account,
    createdFrom: query.createdFrom !== undefined ? readRequestTimestamp('createdFrom', query.createdFrom) : undefined,
    createdTo: query.createdTo !== undefined ? readRequestTimestamp('createdTo', query.createdTo) : undefined,
  };
  if (filter.createdFrom && filter.createdTo && filter.createdFrom.getTime() > filter.createdTo.getTime()) {
    throw new EngineException('INVALID_REQUEST', ['createdFrom must not be after createdTo']);
  }
  return filter;
}
