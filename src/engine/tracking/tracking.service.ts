import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { AccountStates } from '../accounts/account-states.js';
import { JumioAccounts } from '../accounts/jumio-accounts.js';
import { CallbackProcessor } from '../callbacks/callback-processor.js';
import { Clock } from '../clock/clock.js';
import type { Kind } from '../../common/kinds.js';
import { onCallbackReported } from '../domain/tracking-state-machine.js';
import { onDeleteAtJumioAsked } from '../domain/jumio-deletion.js';
import { EngineException } from '../engine.exception.js';
import { ChangeFeed, type FeedEvent, type FeedPage } from '../feed/change-feed.js';
import { type RetrievalSchedule, scheduleOf } from '../domain/retrieval-schedule.js';
import { MediaStore } from '../media/media-store.js';
import type { TrackedTransactionEntity } from '../persistence/tracked-transaction.entity.js';
import { TrackedTransactionRepository, type RowPatch } from '../persistence/tracked-transaction.repository.js';
import { trackingRecordOf } from '../persistence/tracking-record.js';
import type { CallbackReport, TrackRequest } from './tracking-requests.js';
import { newTrackedTransaction, type NewTrackedTransaction } from '../domain/new-tracked-transaction.js';
import { readRequestTimestamp, readTimestamp } from '../domain/timestamp-reader.js';
import { toView, type TrackingView } from './tracking-view.js';
import { EngineTracing } from '../tracing/engine-tracing.js';

/** How far ahead of the service's clock a caller's acquiredAt or receivedAt may be (clock skew between hosts). */
const MAX_FUTURE_SKEW_MS = 60_000;

/** What product backends do with a transaction of any kind: track it, report its callback, read it back. */
@Injectable()
export class TrackingService {
  private readonly schedule: RetrievalSchedule;

  constructor(
    private readonly repository: TrackedTransactionRepository,
    private readonly mediaStore: MediaStore,
    private readonly feed: ChangeFeed,
    private readonly callbacks: CallbackProcessor,
    private readonly clock: Clock,
    private readonly tracing: EngineTracing,
    private readonly accounts: JumioAccounts,
    private readonly accountStates: AccountStates,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
  }

  /**
   * 201 when created; 200 when a retry of the same request; 409 naming each field that differs. The account is
   * resolved first: one that does not exist for the data center is a 400 listing those that do.
   */
  async track(kind: Kind, dto: TrackRequest): Promise<{ created: boolean; view: TrackingView }> {
    const now = this.clock.now();
    const { row: fresh, resolved } = this.newRow(kind, dto, now);
    const inserted = await this.repository.insertIfAbsent(fresh, now);
    const created = inserted.created;
    const row =
      !created && inserted.row.startedByCallback
        ? await this.adoptCallbackStarted(kind, dto, resolved, now)
        : inserted.row;
    if (!created) refuseDifferingRetry(row, dto);
    return { created, view: await this.toView(row) };
  }

  /**
   * Many track requests of one kind, each answered as track() would answer it alone, in input order (the same
   * reference twice: created, then a retry or a conflict), in a few statements for the whole batch: one insert of
   * every new row with its TRACKED event, one read of every row with its media. A refusal is that item's outcome.
   */
  async trackMany(kind: Kind, items: readonly TrackRequest[]): Promise<TrackOutcome[]> {
    const now = this.clock.now();
    const built = items.map((dto) => {
      try {
        return this.newRow(kind, dto, now);
      } catch (e) {
        return asRefusal(e);
      }
    });
    const firsts = new Map<string, NewTrackedTransaction>();
    for (const b of built)
      if (!(b instanceof EngineException) && !firsts.has(b.row.reference)) firsts.set(b.row.reference, b.row);
    const created = await this.repository.insertManyIfAbsent([...firsts.values()], now);
    const [stored] = await Promise.all([
      this.repository.findManyViews(kind, [...firsts.keys()]),
      this.accountStates.fresh(),
    ]);
    const answered = new Set<string>();
    const outcomes: TrackOutcome[] = [];
    for (const [i, b] of built.entries()) {
      if (b instanceof EngineException) {
        outcomes.push({ refused: b });
        continue;
      }
      const reference = b.row.reference;
      const isCreated = !answered.has(reference) && created.has(reference);
      answered.add(reference);
      try {
        let found = stored.get(reference);
        // Rare: a row a callback started is adopted as track() does; a row gone since the insert is tracked again.
        if (!found) {
          outcomes.push(await this.track(kind, items[i]));
          continue;
        }
        if (!isCreated && found.row.startedByCallback) {
          const row = await this.adoptCallbackStarted(kind, items[i], b.resolved, now);
          found = { row, media: await this.mediaStore.list(row.id) };
          stored.set(reference, found);
        }
        if (!isCreated) refuseDifferingRetry(found.row, items[i]);
        outcomes.push({
          created: isCreated,
          view: toView(found.row, found.media, this.accountStates.stateOf(found.row)),
        });
      } catch (e) {
        outcomes.push({ refused: asRefusal(e) });
      }
    }
    return outcomes;
  }

  /** The row a track request would insert (INVALID_REQUEST for an account or a timestamp that cannot be used). */
  private newRow(
    kind: Kind,
    dto: TrackRequest,
    now: Date,
  ): { row: NewTrackedTransaction; resolved: { account: string; explicit: boolean } } {
    const acquiredAt = requestTimestamp('acquiredAt', dto.acquiredAt, now) ?? now;
    const { account, explicit } = this.accounts.resolve({ account: dto.account, datacenter: dto.datacenter });
    const row = newTrackedTransaction({
      kind,
      reference: dto.reference.toLowerCase(),
      datacenter: account.datacenter,
      account: account.name,
      accountExplicit: explicit,
      merchantReference: dto.merchantReference ?? null,
      customerReference: dto.customerReference ?? null,
      acquiredAt,
      graceSeconds: dto.callbackGraceSeconds ?? this.config.reconciler.callbackGraceSeconds,
      deleteAtJumio: dto.deleteAtJumio ?? this.config.retention.deleteAtJumioAfterRetrieval,
      startedByTrace: this.tracing.activeTraceParent(),
    });
    return { row, resolved: { account: account.name, explicit } };
  }

  /**
   * A callback got here before any backend tracked its reference, so the row holds what the callback suggested
   * (the journey's date, a data center guessed from the sender). The first backend to track it knows better: the
   * fields it gives are taken, and it gets 200 as for any retry; from then on a differing field is a 409 again.
   */
  private async adoptCallbackStarted(
    kind: Kind,
    dto: TrackRequest,
    resolved: { account: string; explicit: boolean },
    now: Date,
  ): Promise<TrackedTransactionEntity> {
    const row = await this.repository.updateLocked(
      kind,
      dto.reference.toLowerCase(),
      (current) => {
        if (!current.startedByCallback) return null;
        const acquiredAt = requestTimestamp('acquiredAt', dto.acquiredAt, now) ?? new Date(current.acquiredAt);
        const grace = dto.callbackGraceSeconds ?? current.callbackGraceSeconds;
        const deadline = new Date(acquiredAt.getTime() + grace * 1000);
        const patch: RowPatch = {
          startedByCallback: false,
          acquiredAt,
          callbackGraceSeconds: grace,
          callbackDeadline: deadline,
        };
        if (current.state === 'AWAITING_CALLBACK') patch.nextAttemptAt = deadline;
        if (dto.merchantReference !== undefined) patch.merchantReference = dto.merchantReference;
        if (dto.customerReference !== undefined) patch.customerReference = dto.customerReference;
        if (dto.deleteAtJumio !== undefined) patch.deleteAtJumio = dto.deleteAtJumio;
        // Asked for a row the callback already filled: the delete falls due now if everything is stored.
        const asked = dto.deleteAtJumio === true ? onDeleteAtJumioAsked(current, now) : null;
        if (asked !== null && typeof asked === 'object') Object.assign(patch, asked);
        if (resolved.explicit || dto.datacenter !== undefined)
          Object.assign(patch, { account: resolved.account, accountExplicit: resolved.explicit });
        if (dto.datacenter !== undefined && dto.datacenter !== current.datacenter) {
          Object.assign(
            patch,
            { datacenter: dto.datacenter },
            this.callbacks.relinkToDatacenter(current, dto.datacenter, now),
          );
        }
        return { patch, events: [] };
      },
      now,
    );
    return row!;
  }

  async reportCallback(kind: Kind, reference: string, dto: CallbackReport): Promise<TrackingView> {
    const now = this.clock.now();
    const receivedAt = requestTimestamp('receivedAt', dto.receivedAt, now) ?? now;
    const row = await this.repository.updateLocked(
      kind,
      reference.toLowerCase(),
      (current) =>
        onCallbackReported(
          { ...trackingRecordOf(current), hasResult: current.result != null },
          dto.outcome,
          receivedAt,
          now,
          this.schedule,
        ),
      now,
    );
    if (!row) throw notTracked(kind, reference);
    return this.toView(row);
  }

  /**
   * One statement for the row and its media (the hot read path; see TrackedTransactionRepository.findView), shown
   * with its account's state (cached, at most a second old).
   */
  async view(kind: Kind, reference: string): Promise<TrackingView> {
    const [found] = await Promise.all([
      this.repository.findView(kind, reference.toLowerCase()),
      this.accountStates.fresh(),
    ]);
    if (!found) throw notTracked(kind, reference);
    return toView(found.row, found.media, this.accountStates.stateOf(found.row));
  }

  async medium(kind: Kind, reference: string, name: string): Promise<{ bytes: Buffer; contentType: string }> {
    const row = await this.get(kind, reference);
    const medium = await this.mediaStore.get(row.id, name);
    if (!medium)
      throw new EngineException('MEDIUM_NOT_FOUND', [`no medium named "${name}" is stored for this transaction`]);
    return medium;
  }

  events(after: string | undefined, limit: number | undefined): Promise<FeedPage> {
    return this.feed.read(after, limit ?? 100);
  }

  /** One tracked transaction's events, oldest first (TRANSACTION_NOT_TRACKED when it is not tracked). */
  async transactionEvents(kind: Kind, reference: string): Promise<FeedEvent[]> {
    const row = await this.get(kind, reference);
    return this.feed.forTransaction(row.kind, row.reference);
  }

  /** The tracked transaction, or TRANSACTION_NOT_TRACKED (a 404). */
  async get(kind: Kind, reference: string): Promise<TrackedTransactionEntity> {
    const row = await this.repository.find(kind, reference.toLowerCase());
    if (!row) throw notTracked(kind, reference);
    return row;
  }

  async toView(row: TrackedTransactionEntity): Promise<TrackingView> {
    const [media] = await Promise.all([this.mediaStore.list(row.id), this.accountStates.fresh()]);
    return toView(row, media, this.accountStates.stateOf(row));
  }
}

export function notTracked(kind: Kind, reference: string): EngineException {
  return new EngineException('TRANSACTION_NOT_TRACKED', [
    `${kind} ${reference} is not tracked; track it first with POST /v1/${kind}`,
  ]);
}

/**
 * A timestamp a backend sent (already validated by the HTTP layer with the same reader), or undefined when it sent
 * none; INVALID_REQUEST when it cannot be read or lies more than a minute ahead of the service's clock.
 */
function requestTimestamp(field: string, value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const date = readRequestTimestamp(field, value);
  if (date.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS)
    throw new EngineException('INVALID_REQUEST', [`${field} must not be more than 60 seconds in the future`]);
  return date;
}

/** One item of a batch: what track() would have answered, or its refusal. */
export type TrackOutcome = { created: boolean; view: TrackingView } | { refused: EngineException };

/** An engine refusal is an item's answer; anything else fails the whole batch. */
function asRefusal(e: unknown): EngineException {
  if (e instanceof EngineException) return e;
  throw e;
}

/** A retry of a tracked reference: TRACKING_CONFLICT naming each field it gave that differs from what is stored. */
function refuseDifferingRetry(row: TrackedTransactionEntity, dto: TrackRequest): void {
  const differing = differingFields(row, dto);
  if (differing.length > 0)
    throw new EngineException(
      'TRACKING_CONFLICT',
      differing.map(
        (f) => `${f} differs from the tracked transaction's (the reference is already tracked with another ${f})`,
      ),
    );
}

/** The fields a retry gave that differ from what is stored; a field the retry leaves out is not compared. */
function differingFields(row: TrackedTransactionEntity, dto: TrackRequest): string[] {
  const differing: string[] = [];
  const acquiredAt = readTimestamp(dto.acquiredAt);
  if (acquiredAt.ok && acquiredAt.date.getTime() !== new Date(row.acquiredAt).getTime()) differing.push('acquiredAt');
  if (dto.datacenter !== undefined && dto.datacenter !== row.datacenter) differing.push('datacenter');
  if (dto.account !== undefined && dto.account !== row.account) differing.push('account');
  if (dto.merchantReference !== undefined && dto.merchantReference !== row.merchantReference)
    differing.push('merchantReference');
  if (dto.customerReference !== undefined && dto.customerReference !== row.customerReference)
    differing.push('customerReference');
  if (dto.callbackGraceSeconds !== undefined && dto.callbackGraceSeconds !== row.callbackGraceSeconds)
    differing.push('callbackGraceSeconds');
  if (dto.deleteAtJumio !== undefined && dto.deleteAtJumio !== row.deleteAtJumio) differing.push('deleteAtJumio');
  return differing;
}
