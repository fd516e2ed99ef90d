import type { Clock } from '../clock/clock.js';
import type { JumioTarget } from '../product-kit/product-definition.js';
import type { GroupedStepWriter } from '../persistence/grouped-step-writer.js';
import type { StepWrites } from '../persistence/step-saves.js';
import type { ClaimedTransaction, TransactionClaims } from '../persistence/transaction-claims.js';

/** The claim is no longer this replica's: another took it over after the lease expired. */
export class LeaseLost extends Error {}

/**
 * One claim: the row as this replica last wrote it (or will write it: deferred writes are already on it), and
 * the fenced writes that keep it so.
 */
export class ClaimedStep {
  /** Writes made part of the next save (no call to Jumio comes between them and it). */
  private deferred: DeferredWrites | null = null;

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

  /** One fenced statement with any deferred writes first; throws LeaseLost when the claim is no longer ours. */
  async save(writes: StepWrites): Promise<void> {
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
