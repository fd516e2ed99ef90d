import type { Datacenter, Kind } from '../../common/kinds.js';
import { initialPlan } from '../domain/tracking-state-machine.js';
import type { NewTrackedTransaction } from '../persistence/tracked-transaction.repository.js';

/**
 * A transaction about to be tracked (by a backend's POST /v1/{kind}, or by a callback for a reference nobody
 * tracked): it waits for its callback until acquiredAt + grace, when the reconciler treats it as missed.
 */
export function newTrackedTransaction(t: {
  kind: Kind;
  reference: string;
  datacenter: Datacenter;
  merchantReference: string | null;
  customerReference: string | null;
  acquiredAt: Date;
  graceSeconds: number;
  startedByCallback?: boolean;
}): NewTrackedTransaction {
  const deadline = new Date(t.acquiredAt.getTime() + t.graceSeconds * 1000);
  const plan = initialPlan(deadline);
  return {
    kind: t.kind,
    reference: t.reference,
    datacenter: t.datacenter,
    merchantReference: t.merchantReference,
    customerReference: t.customerReference,
    acquiredAt: t.acquiredAt,
    callbackGraceSeconds: t.graceSeconds,
    callbackDeadline: deadline,
    state: plan.state!,
    status: plan.status!,
    nextAttemptAt: plan.nextAttemptAt!,
    startedByCallback: t.startedByCallback ?? false,
  };
}
