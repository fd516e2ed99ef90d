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
