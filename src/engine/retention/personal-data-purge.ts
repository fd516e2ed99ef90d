import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import { CallbackInbox } from '../callbacks/callback-inbox.js';
import type { TrackingState } from '../domain/states.js';
import type { Transition } from '../domain/tracking-state-machine.js';
import { MediaStore } from '../media/media-store.js';
import type { TrackedTransactionEntity } from '../persistence/tracked-transaction.entity.js';
import { TrackedTransactionRepository } from '../persistence/tracked-transaction.repository.js';
import { JumioDeletionSaves } from '../persistence/jumio-deletion-saves.js';
import { byTransition, TransactionPurge, type PurgeTarget } from '../persistence/transaction-purge.js';

/**
 * Deletes personal data, each purge in one database transaction: the media, Jumio's payloads, the result and the
 * media plan (TransactionPurge), and the bodies of the transaction's callbacks still held in the inbox. The
 * tracking record, its references and the attempt log stay. `decide` gives the state change (PURGED and its
 * event; nothing when already purged: the data is still wiped if any came back, but no second event).
 */
@Injectable()
export class PersonalDataPurge {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TrackedTransactionRepository,
    private readonly rowWipe: TransactionPurge,
    private readonly mediaStore: MediaStore,
    private readonly callbackInbox: CallbackInbox,
    private readonly deletions: JumioDeletionSaves,
  ) {}

  /**
   * One transaction's personal data (an admin's DELETE .../personal-data); null when it is not tracked. `atJumio`:
   * the transaction is deleted at Jumio too, due now whatever its state; an erasure of one already erased so sends
   * nothing more.
   */
  async purgePersonalData(
    kind: Kind,
    reference: string,
    now: Date,
    decide: (row: { state: TrackingState }) => Transition,
    opts: { atJumio?: boolean } = {},
  ): Promise<{ row: TrackedTransactionEntity; purged: boolean } | null> {
    return this.dataSource.transaction(async (m) => {
      const locked = await this.rowWipe.lock(m, kind, reference);
      if (!locked) return null;
      const t = decide(locked);
      const purged = t.events.length > 0;
      if (purged || locked.holds) {
        await this.mediaStore.deleteAll(m, locked.id);
        await this.wipe(m, [locked], t, now);
      }
      const erasedAtJumioBefore = locked.state === 'PURGED' && locked.deletionRequested;
      if (opts.atJumio && !erasedAtJumioBefore) await this.deletions.requestNow(m, locked.id, now);
      return { row: (await this.transactions.find(kind, reference, m))!, purged };
    });
  }

  /**
   * Retention: purges up to `limit` transactions whose personal data was stored before `cutoff`, oldest first,
   * in one database transaction (see TransactionPurge.lockExpired). Returns how many rows were purged.
   */
  async purgeExpiredBatch(
    cutoff: Date,
    limit: number,
    now: Date,
    decide: (row: { state: TrackingState }) => Transition,
  ): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const rows = await this.rowWipe.lockExpired(m, cutoff, limit);
      if (rows.length === 0) return 0;
      await this.mediaStore.deleteAllOf(
        m,
        rows.map((r) => r.id),
      );
      for (const { t, rows: group } of byTransition(rows, decide)) await this.wipe(m, group, t, now);
      return rows.length;
    });
  }

  /** The writes of a purge on locked rows that share one transition (their media are deleted by the caller). */
  private async wipe(m: EntityManager, rows: PurgeTarget[], t: Transition, now: Date): Promise<void> {
    await this.rowWipe.wipe(m, rows, t, now);
    // Callbacks of these transactions still held in the inbox (unprocessed or unreadable) hold Jumio's data too.
    await this.callbackInbox.clearBodiesOf(
      m,
      rows.map((r) => r.id),
    );
  }
}
