import type { Clock } from '../clock/clock.js';
import type { JumioTarget } from '../product-kit/product-definition.js';
import type { GroupedStepWriter } from '../persistence/grouped-step-writer.js';
import type { StepWrites } from '../persistence/step-saves.js';
import type { ClaimedTransaction, TransactionClaims } from '../persistence/transaction-claims.js';
import type { JumioDeleteResult, JumioJsonResult, JumioMediumResult } from '../jumio-transport/jumio-call-result.js';
import type { CallType } from '../persistence/attempt-log.js';
import type { EngineTracing } from '../tracing/engine-tracing.js';
import { tracedJumioCall, transactionAttributes } from './step-tracing.js';

/** The claim is no longer this replica's: another took it over after the lease expired. */
export class LeaseLost extends Error {}

/**
 * One claim: the row as this replica last wrote it (or will write it: deferred writes are already on it), and
 * the fenced writes that keep it so.
 */
export class ClaimedStep {
  /** Writes made part of the next save (no call to Jumio comes between them and it). */
  private deferred: DeferredWrites | null = null;
  private tracing: EngineTracing | null = null;

  constructor(
    readonly row: ClaimedTransaction,
    readonly owner: string,
    private readonly claims: TransactionClaims,
    private readonly writer: GroupedStepWriter,
    private readonly clock: Clock,
    private readonly leaseSeconds: number,
  ) {}

  get target(): JumioTarget {
    const { kind, reference, datacenter, account, probe } = this.row;
    return { kind, reference, datacenter, account, probe };
  }

  /** Each call to Jumio and each save of this step gets a span (when tracing is on). */
  traceSavesWith(tracing: EngineTracing): void {
    this.tracing = tracing;
  }

  /** A call to Jumio under way, in its span (tracing on); null: the product makes no such call. */
  traced<R extends JumioJsonResult | JumioMediumResult | JumioDeleteResult>(
    callType: CallType,
    pending: Promise<R>,
    medium?: string,
  ): Promise<R>;
  traced<R extends JumioJsonResult>(callType: CallType, pending: Promise<R> | null): Promise<R> | null;
  traced<R extends JumioJsonResult | JumioMediumResult | JumioDeleteResult>(
    callType: CallType,
    pending: Promise<R> | null,
    medium?: string,
  ): Promise<R> | null {
    return pending && this.tracing ? tracedJumioCall(this.tracing, this.row, callType, pending, medium) : pending;
  }

  /** One fenced statement with any deferred writes first; throws LeaseLost when the claim is no longer ours. */
  async save(writes: StepWrites): Promise<void> {
    if (!this.tracing?.enabled) return this.fencedSave(writes);
    const attributes = {
      ...transactionAttributes(this.row),
      'jumio_fallback.events': [...(this.deferred?.events ?? []), ...(writes.events ?? [])],
      'jumio_fallback.calls': (this.deferred?.calls?.length ?? 0) + (writes.calls?.length ?? 0),
      'jumio_fallback.media': writes.media?.length ?? 0,
    };
    return this.tracing.inSpan('reconciliation.store', attributes, () => this.fencedSave(writes));
  }

  private async fencedSave(writes: StepWrites): Promise<void> {
    const ok = await this.writer.save({
      id: this.row.id,
      owner: this.owner,
      writes: combined(this.deferred, writes),
      now: this.clock.now(),
      leaseSeconds: this.leaseSeconds,
    });
    if (!ok) throw new LeaseLost();
    // Kept until written: a save that failed (the database) leaves them for the next one (the back-off).
    this.deferred = null;
    Object.assign(this.row, writes.patch);
  }

  /** Makes `writes` part of the next save; the row reads as if they were written. */
  defer(writes: DeferredWrites): void {
    this.deferred = combined(this.deferred, writes);
    Object.assign(this.row, writes.patch);
  }

  /** Gives the claim back (deferred writes saved first); a forced attempt it took goes back on the row for the next claim. */
  async release(): Promise<void> {
    if (this.deferred) await this.save({ patch: {}, keepLease: true });
    await this.claims.release(this.row.id, this.owner, this.row.forcedBy);
  }
}

type DeferredWrites = Pick<StepWrites, 'patch' | 'events' | 'calls'>;

/** `first`, then `then`: later fields win, events and calls keep their order. */
function combined<T extends DeferredWrites>(first: DeferredWrites | null, then: T): T {
  if (!first) return then;
  return {
    ...then,
    patch: { ...first.patch, ...then.patch },
    events: [...(first.events ?? []), ...(then.events ?? [])],
    calls: [...(first.calls ?? []), ...(then.calls ?? [])],
  };
}
