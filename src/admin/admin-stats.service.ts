import { Injectable } from '@nestjs/common';
import { CallbackInbox } from '../engine/callbacks/callback-inbox.js';
import { Clock } from '../engine/clock/clock.js';
import type { Kind } from '../common/kinds.js';
import { AttemptLog } from '../engine/persistence/attempt-log.js';
import { TransactionReports } from '../engine/persistence/transaction-reports.js';
import { ProductRegistry } from '../engine/product-kit/product-registry.js';

export interface AdminStats {
  states: Record<string, Record<string, number>>;
  dueNow: number;
  oldestOverdue: { kind: Kind; reference: string; dueAt: string; lateSeconds: number } | null;
  jumioCalls: { kind: string; endpoint: string; httpStatus: number | null; count: number }[];
  /**
   * Jumio's callbacks received directly and not applied: `malformed` ones were refused for good (reconciliation
   * took over; the body is kept for an operator until retention), `failing` ones keep failing for a reason of the
   * service's own and are retried; `oldestFailingReceivedAt` says since when.
   */
  callbacks: { malformed: number; failing: number; oldestFailingReceivedAt: string | null };
}

/** The backlog at a glance for on-call engineers (`GET /v1/admin/stats`). */
@Injectable()
export class AdminStatsService {
  constructor(
    private readonly transactions: TransactionReports,
    private readonly attemptLog: AttemptLog,
    private readonly products: ProductRegistry,
    private readonly callbackInbox: CallbackInbox,
    private readonly clock: Clock,
  ) {}

  async stats(): Promise<AdminStats> {
    const now = this.clock.now();
    const [counts, dueNow, oldest, calls, callbacks] = await Promise.all([
      this.transactions.countByKindAndState(),
      this.transactions.countDue(now),
      this.transactions.oldestOverdue(now),
      this.attemptLog.countsSince(new Date(now.getTime() - 3_600_000)),
      this.callbackInbox.setAside(),
    ]);
    const states: AdminStats['states'] = Object.fromEntries(this.products.kinds().map((k) => [k, {}]));
    for (const { kind, state, count } of counts) (states[kind] ??= {})[state] = count;
    return {
      states,
      dueNow,
      oldestOverdue: oldest && {
        kind: oldest.kind,
        reference: oldest.reference,
        dueAt: oldest.dueAt.toISOString(),
        lateSeconds: Math.max(0, Math.round((now.getTime() - oldest.dueAt.getTime()) / 1000)),
      },
      jumioCalls: calls,
      callbacks: {
        malformed: callbacks.malformed,
        failing: callbacks.failing,
        oldestFailingReceivedAt: callbacks.oldestFailingReceivedAt?.toISOString() ?? null,
      },
    };
  }
}
