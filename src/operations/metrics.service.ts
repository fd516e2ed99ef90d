import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { EngineMetrics } from '../engine/metrics/engine-metrics.js';

/**
 * The service's Prometheus metrics, on a registry of its own (tests run several applications in one process).
 * Labels are bounded enumerations only (kind, outcome, call type, state, the configured account names): never
 * references or personal data.
 */
@Injectable()
export class MetricsService extends EngineMetrics {
  readonly registry = new Registry();

  readonly attempts = new Counter({
    name: 'jumio_fallback_attempts_total',
    help: 'Status calls to Jumio (the attempts Jumio counts), by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jumioCalls = new Counter({
    name: 'jumio_fallback_jumio_calls_total',
    help: 'Every call to Jumio, by kind, call type and outcome',
    labelNames: ['kind', 'call_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jumioCallDuration = new Histogram({
    name: 'jumio_fallback_jumio_call_duration_seconds',
    help: 'Latency of calls to Jumio, by kind and call type',
    labelNames: ['kind', 'call_type'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly timeToDecision = new Histogram({
    name: 'jumio_fallback_time_to_decision_seconds',
    help: "Time from a missed callback (its deadline), or a backend's FAILED report, to the stored decision (final status and details), by kind",
    labelNames: ['kind'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
    registers: [this.registry],
  });

  readonly backlog = new Gauge({
    name: 'jumio_fallback_transactions',
    help: 'Tracked transactions by kind and tracking state',
    labelNames: ['kind', 'state'] as const,
    registers: [this.registry],
  });

  readonly dueNow = new Gauge({
    name: 'jumio_fallback_due_now',
    help: 'Transactions whose next reconciliation step is due now',
    registers: [this.registry],
  });

  readonly oldestOverdueSeconds = new Gauge({
    name: 'jumio_fallback_oldest_overdue_seconds',
    help: 'How late the most overdue due reconciliation step is, in seconds (0 when nothing is overdue)',
    registers: [this.registry],
  });

  readonly reconcilerLastClaim = new Gauge({
    name: 'jumio_fallback_reconciler_last_claim_timestamp_seconds',
    help: "When this replica's reconciler last claimed due work, or found all its slots busy (Unix time)",
    registers: [this.registry],
  });

  readonly changeFeedHeldBack = new Gauge({
    name: 'jumio_fallback_change_feed_held_back_events',
    help: 'Change feed events written but not served yet, because a database transaction older than them is still open',
    registers: [this.registry],
  });

  readonly changeFeedLagSeconds = new Gauge({
    name: 'jumio_fallback_change_feed_lag_seconds',
    help: 'Age of the oldest change feed event held back, in seconds (0 when none is)',
    registers: [this.registry],
  });

  readonly accountCredentialsRejected = new Gauge({
    name: 'jumio_fallback_account_credentials_rejected',
    help: "1 while Jumio rejects an account's credentials in a data center and its calls are paused (probed every JUMIO_CREDENTIALS_PROBE_SECONDS), else 0",
    labelNames: ['account', 'datacenter'] as const,
    registers: [this.registry],
  });

  readonly callbacks = new Counter({
    name: 'jumio_fallback_callbacks_total',
    help: "Jumio's callbacks received directly, by kind and what became of them (REFUSED_SOURCE, INVALID, STORED, DUPLICATE_DELIVERY, then APPLIED, ALREADY_STORED, MALFORMED, IGNORED_PURGED once processed)",
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly encryptedValues = new Gauge({
    name: 'jumio_fallback_encrypted_values',
    help: 'Values encrypted at rest (payloads, results, media, held callback bodies) by the id of their key: an old key of DATA_ENCRYPTION_KEYS can be dropped once it shows 0',
    labelNames: ['key_id'] as const,
    registers: [this.registry],
  });

  readonly callbacksSetAside = new Gauge({
    name: 'jumio_fallback_callbacks_set_aside',
    help: "Jumio's callbacks received directly and not applied: MALFORMED (unreadable: refused for good, body kept for an operator until retention, reconciliation took over) and PROCESSING_FAILED (failing for a reason of the service's own, retried with back-off)",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly collectors: (() => Promise<void>)[] = [];

  constructor() {
    super();
    collectDefaultMetrics({ register: this.registry });
  }

  /** Gauges computed from the database are refreshed when Prometheus scrapes, not on a timer. */
  onScrape(collector: () => Promise<void>): void {
    this.collectors.push(collector);
  }

  async render(): Promise<string> {
    await Promise.all(this.collectors.map((c) => c().catch(() => undefined)));
    return this.registry.metrics();
  }
}
