import { CALLBACK_PATHS, callbackFields } from './simulator-callbacks.js';
import { ScriptError } from './simulator-scripts.js';
import type { TransactionRegistry, TransactionState } from './simulator-transactions.js';
import type { Timers } from './simulator-timers.js';
import type { SentCallback, SimulatorKind } from './simulator-types.js';

/**
 * Plays Jumio's callback sender: posts a final transaction's callback to `<base URL>/<product path>` and keeps
 * a record of every post and its answer.
 */
export class CallbackSender {
  private base: string | null;
  private sent: SentCallback[] = [];
  private seq = 0;

  /** `simulatorUrl` is where the callback's links point; `maxKept` bounds the record of posts. */
  constructor(
    private readonly simulatorUrl: string,
    baseUrl: string | null,
    private readonly registry: TransactionRegistry,
    private readonly timers: Timers,
    private readonly maxKept: number,
  ) {
    this.base = baseUrl;
  }

  get baseUrl(): string | null {
    return this.base;
  }

  setBaseUrl(url: string | null): void {
    if (url !== null) new URL(url); // throws on a malformed URL
    this.base = url === null ? null : url.replace(/\/+$/, '');
  }

  /**
   * Sends the callback of a final transaction (scripted, or derived from its reference) after `delayMs`,
   * `deliveries` times. Throws ScriptError when there is no such transaction, it has no callback (NOT_FOUND), or no
   * callback URL is configured.
   */
  send(kind: SimulatorKind, reference: string, opts: { delayMs?: number; deliveries?: number }): void {
    const state = this.registry.lookup(kind, reference);
    if (!state) throw new ScriptError('reference', `no ${kind} transaction ${reference} is known`);
    if (state.plan.final === 'NOT_FOUND')
      throw new ScriptError(
        'reference',
        'Jumio sends no callback for a transaction it does not have (final NOT_FOUND)',
      );
    if (this.base === null)
      throw new ScriptError(
        'callbackBaseUrl',
        'no callback URL is configured (POST /__simulator/config { "callbackBaseUrl": ... })',
      );
    this.timers.later(opts.delayMs ?? 0, () => void this.post(state, opts.deliveries ?? 1));
  }

  /** Schedules the callback a script asked for, if any. */
  scheduleScripted(state: TransactionState): void {
    if (!state.callback) return;
    const { afterMs, deliveries } = state.callback;
    this.timers.later(afterMs, () => void this.post(state, deliveries));
  }

  /** The callbacks sent so far (optionally of one reference), oldest first. */
  list(reference?: string): SentCallback[] {
    return this.sent.filter((c) => reference === undefined || c.reference === reference).map((c) => ({ ...c }));
  }

  clear(): void {
    this.sent = [];
  }

  private async post(state: TransactionState, deliveries: number): Promise<void> {
    state.settle();
    const { plan } = state;
    const body = new URLSearchParams(callbackFields(plan, this.simulatorUrl, new Date())).toString();
    for (let i = 0; i < deliveries; i++) {
      const url = `${this.base ?? ''}/${CALLBACK_PATHS[plan.kind]}`;
      const entry: SentCallback = {
        seq: ++this.seq,
        at: Date.now(),
        kind: plan.kind,
        reference: plan.reference,
        url,
        httpStatus: null,
        error: null,
      };
      this.sent.push(entry);
      if (this.sent.length > this.maxKept) this.sent.splice(0, this.sent.length - this.maxKept);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'user-agent': 'Jumio Callback (jumio-simulator)',
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        entry.httpStatus = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        entry.error = e instanceof Error ? e.message : String(e);
      }
    }
  }
}
