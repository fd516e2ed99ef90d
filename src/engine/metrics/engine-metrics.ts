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
  /** Tracked transactions by kind and tracking state. */
  abstract readonly backlog: Gauge<'kind' | 'state'>;
  abstract readonly dueNow: Gauge;
  /** 1 while Jumio rejects an account's credentials in a data center (its calls are paused), else 0. */
  abstract readonly accountCredentialsRejected: Gauge<'account' | 'datacenter'>;
  /** Jumio's callbacks received directly, by kind and what became of them. */
  abstract readonly callbacks: Counter<'kind' | 'outcome'>;
  /** Registers a gauge refresh that runs when Prometheus scrapes, not on a timer. */
  abstract onScrape(collector: () => Promise<void>): void;
}
