import type { Datacenter, Kind } from '../../common/kinds.js';
import { initialPlan } from './tracking-state-machine.js';
import type { TrackingState, ViewStatus } from './states.js';

/** A row about to be inserted into tracked_transaction. */
export interface NewTrackedTransaction {
  kind: Kind;
  reference: string;
  datacenter: Datacenter;
  /** The Jumio account of the data center whose credentials its calls use. */
  account: string;
  /** The backend named the account; false when it was the data center's default. */
  accountExplicit: boolean;
  merchantReference: string | null;
  customerReference: string | null;
  acquiredAt: Date;
  callbackGraceSeconds: number;
  callbackDeadline: Date;
  state: TrackingState;
  status: ViewStatus;
  nextAttemptAt: Date | null;
  startedByCallback?: boolean;
  /** Delete it at Jumio once everything is stored. */
  deleteAtJumio: boolean;
  /** The W3C traceparent of the request tracking it (null: tracing off, or no request). */
  startedByTrace?: string | null;
}

/**
 * A transaction about to be tracked (by a backend's POST /v1/{kind}, or by a callback for a reference nobody
 * tracked): it waits for its callback until acquiredAt + grace, when the reconciler treats it as missed.
 */
export function newTrackedTransaction(
  t: Pick<
    NewTrackedTransaction,
    | 'kind'
    | 'reference'
    | 'datacenter'
    | 'account'
    | 'accountExplicit'
    | 'merchantReference'
    | 'customerReference'
    | 'acquiredAt'
    | 'startedByCallback'
    | 'startedByTrace'
    | 'deleteAtJumio'
  > & { graceSeconds: number },
): NewTrackedTransaction {
  const deadline = new Date(t.acquiredAt.getTime() + t.graceSeconds * 1000);
  const plan = initialPlan(deadline);
  return {
    kind: t.kind,
    reference: t.reference,
    datacenter: t.datacenter,
    account: t.account,
    accountExplicit: t.accountExplicit,
    merchantReference: t.merchantReference,
    customerReference: t.customerReference,
    acquiredAt: t.acquiredAt,
    callbackGraceSeconds: t.graceSeconds,
    callbackDeadline: deadline,
    state: plan.state!,
    status: plan.status!,
    nextAttemptAt: plan.nextAttemptAt!,
    startedByCallback: t.startedByCallback ?? false,
    deleteAtJumio: t.deleteAtJumio,
    startedByTrace: t.startedByTrace ?? null,
  };
}
