import { Injectable } from '@nestjs/common';
import { CallbackInbox } from '../engine/callbacks/callback-inbox.js';
import { AccountStates, type AccountStateName } from '../engine/accounts/account-states.js';
import { JumioAccounts } from '../engine/accounts/jumio-accounts.js';
import { Clock } from '../engine/clock/clock.js';
import { DataCipher } from '../engine/crypto/data-cipher.js';
import { KeyRotation } from '../engine/key-rotation/key-rotation.service.js';
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
  accounts: AccountStats[];
  /** The key new values are encrypted under, and how many stored values each key encrypts (an old one at 0 can go). */
  encryption: { activeKeyId: string; valuesByKeyId: Record<string, number> };
}

/** One (account, data center) pair: its ceiling, whether Jumio accepts its credentials, its calls of the last minute. */
export interface AccountStats {
  name: string;
  datacenter: string;
  ceilingPerSecond: number;
  state: AccountStateName;
  /** When the state last changed; null: it never did (always OK). */
  since: string | null;
  callsLastMinute: number;
  /** The calls known to be due now, of every type. */
  dueCalls: number;
  /** ceil(dueCalls / ceilingPerSecond): when the work due now is done at the ceiling; null while paused. */
  etaSeconds: number | null;
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
    private readonly accounts: JumioAccounts,
    private readonly accountStates: AccountStates,
    private readonly keyRotation: KeyRotation,
    private readonly cipher: DataCipher,
  ) {}

  async stats(): Promise<AdminStats> {
    const now = this.clock.now();
    const [counts, dueNow, oldest, calls, callbacks, accountCalls, dueCalls, , valuesByKeyId] = await Promise.all([
      this.transactions.countByKindAndState(),
      this.transactions.countDue(now),
      this.transactions.oldestOverdue(now),
      this.attemptLog.countsSince(new Date(now.getTime() - 3_600_000)),
      this.callbackInbox.setAside(),
      this.attemptLog.countsByAccountSince(new Date(now.getTime() - 60_000)),
      this.transactions.dueCallsByAccount(now),
      this.accountStates.refresh(),
      this.keyRotation.valuesByKeyId(),
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
      accounts: this.accounts.all().map((a) => {
        const pair = { account: a.name, datacenter: a.datacenter };
        const { state, since } = this.accountStates.stateOf(pair);
        const lastMinute = accountCalls.find((c) => c.account === a.name && c.datacenter === a.datacenter);
        const due = dueCalls.find((c) => c.account === a.name && c.datacenter === a.datacenter)?.calls ?? 0;
        return {
          name: a.name,
          datacenter: a.datacenter,
          ceilingPerSecond: a.ceilingPerSecond,
          state,
          since: since?.toISOString() ?? null,
          callsLastMinute: lastMinute?.count ?? 0,
          dueCalls: due,
          etaSeconds: state === 'OK' ? Math.ceil(due / a.ceilingPerSecond) : null,
        };
      }),
      encryption: { activeKeyId: this.cipher.activeKeyId, valuesByKeyId },
    };
  }
}
