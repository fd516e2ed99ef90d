import { derivePlan } from './simulator-derived-plans.js';
import { faultsFromScript, KINDS, planFromScript, validateScript } from './simulator-scripts.js';
import type { ActiveFault, TransactionPlan } from './simulator-scripts.js';
import type { SimulatorKind, TransactionScript } from './simulator-types.js';

/** One transaction while the simulator runs: its plan, the pending polls served so far, the faults left. */
export class TransactionState {
  /** Status answers given while pending; once it reaches plan.pendingPolls the transaction is final. */
  pendingServed = 0;
  /** Deleted through the Delete API: from then on every call on it is 404. */
  deleted = false;

  constructor(
    readonly plan: TransactionPlan,
    readonly faults: ActiveFault[] = [],
    readonly callback: { afterMs: number; deliveries: number } | null = null,
  ) {}

  /** Jumio sends the callback once the transaction is final: from then on it answers final too. */
  settle(): void {
    if (Number.isFinite(this.plan.pendingPolls))
      this.pendingServed = Math.max(this.pendingServed, this.plan.pendingPolls);
  }

  /** Final from the simulator's point of view: no PENDING answer is left to give. */
  get settled(): boolean {
    return this.pendingServed >= this.plan.pendingPolls;
  }
}

/**
 * Scripted and derived transactions. A scripted reference belongs to its kind only: the same reference under
 * another product answers 404, as Jumio would for a reference of another product.
 */
export class TransactionRegistry {
  private readonly scripted = new Map<string, TransactionState>();
  private readonly derived = new Map<string, TransactionState>();

  /** Replaces any earlier script for the reference, with fresh pending counters and faults. */
  script(input: TransactionScript): TransactionState {
    const script = validateScript(input);
    const callback =
      script.callback && script.callback !== 'never'
        ? { afterMs: script.callback.afterMs ?? 0, deliveries: script.callback.deliveries ?? 1 }
        : null;
    const state = new TransactionState(planFromScript(script), faultsFromScript(script), callback);
    this.scripted.set(script.reference, state);
    for (const kind of KINDS) this.derived.delete(`${kind}:${script.reference}`);
    return state;
  }

  lookup(kind: SimulatorKind, reference: string): TransactionState | null {
    const scripted = this.scripted.get(reference);
    if (scripted) return scripted.plan.kind === kind ? scripted : null;
    const key = `${kind}:${reference}`;
    let state = this.derived.get(key);
    if (!state) {
      const plan = derivePlan(kind, reference);
      if (!plan) return null;
      state = new TransactionState(plan);
      this.derived.set(key, state);
    }
    return state;
  }

  reset(): void {
    this.scripted.clear();
    this.derived.clear();
  }
}
