import type { Counter, Gauge, Histogram } from 'prom-client';

/**
 * The metrics the engine records, as the engine sees them; operations provides them (MetricsService, which also
 * serves /metrics). Labels are bounded enumerations only: never references or personal data.
 */
export abstract class EngineMetrics {
  /** Status calls to Jumio (the attempts Jumio counts), by kind and outcome. */
  abstract readonly attempts: Counter<'kind' | 'outcome'>;
  /** Every call to Jumio, by kind, call type and outcome. */
  abstract readonly jumioCalls: Counter<'kind' | 'call_type' | 'outcome'>;
  abstract readonly jumioCallDuration: Histogram<'kind' | 'call_type'>;
  /** From a missed callback (or a backend's FAILED report) to the stored decision, in seconds, by kind. */
  abstract readonly timeToDecision: Histogram<'kind'>;
  /** Tracked transactions by kind and tracking state. */
  abstract readonly backlog: Gauge<'kind' | 'state'>;
  abstract readonly dueNow: Gauge;
  /** How late the most overdue due step is, in seconds (0: nothing is overdue). */
  abstract readonly oldestOverdueSeconds: Gauge;
  /** When this replica's reconciler last claimed work, or found itself too busy to (Unix seconds). */
  abstract readonly reconcilerLastClaim: Gauge;
  /** Change feed events written but not served yet: a transaction older than them is still open. */
  abstract readonly changeFeedHeldBack: Gauge;
  /** The age of the oldest event the change feed holds back, in seconds (0: none). */
  abstract readonly changeFeedLagSeconds: Gauge;
  /** 1 while Jumio rejects an account's credentials in a data center (its calls are paused), else 0. */
  abstract readonly accountCredentialsRejected: Gauge<'account' | 'datacenter'>;
  /** Jumio's callbacks received directly, by kind and what became of them. */
  abstract readonly callbacks: Counter<'kind' | 'outcome'>;
  /** Callbacks received directly and not applied, by reason (MALFORMED: set aside; PROCESSING_FAILED: retried). */
  abstract readonly callbacksSetAside: Gauge<'reason'>;
  /** Values encrypted at rest, by the id of the key that encrypts them (0 for a configured key with none). */
  abstract readonly encryptedValues: Gauge<'key_id'>;
  /** Registers a gauge refresh that runs when Prometheus scrapes, not on a timer. */
  abstract onScrape(collector: () => Promise<void>): void;
}
