import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

/**
 * The global ceiling on calls to Jumio per data center, shared by every replica through PostgreSQL.
 *
 * Why not rate-limiter-flexible's Postgres store: its limiters count points in fixed windows, and a fixed
 * window lets 2x the ceiling through across a window boundary (a full window's worth at 0.99 s, another at
 * 1.01 s). Jumio's rule is about any one-second window, and the product wants calls spread evenly. So each
 * call reserves a slot with GCRA (the "virtual scheduling" form of a token bucket of depth 1): one atomic
 * upsert of one row per data center hands out slots `spacing` apart, using the database's clock so replicas
 * on different hosts agree. The caller sleeps until its slot. It is one statement, kept here with its reason.
 *
 * The spacing is 3% wider than 1/ceiling, so `ceiling` consecutive slots span 1.03 s. A caller that wakes more
 * than LATE_TOLERANCE_MS after its slot (a busy event loop, a pause) gives the slot up and reserves a new one:
 * sends then lag their slots by at most 20 ms, less than the 30 ms of slack, so no one-second window can hold
 * ceiling+1 sends whatever the jitter.
 */
@Injectable()
export class OutboundRateLimiter {
  static readonly SPACING_MARGIN = 1.03;
  static readonly LATE_TOLERANCE_MS = 20;
  private readonly spacingMs: number;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.spacingMs = (1000 / config.jumio.rateLimitPerSecond) * OutboundRateLimiter.SPACING_MARGIN;
  }

  /** Reserves the next slot for `bucket` and waits for it; returns when the caller may send. */
  async acquire(bucket: string): Promise<void> {
    for (;;) {
      // The database picked the slot somewhere between `asked` and `received`. Waking at `received + wait` is
      // never before the slot; the send then lags the slot by at most (wake-up delay + round trip).
      const asked = performance.now();
      const waitMs = Math.max(0, await this.reserve(bucket));
      const received = performance.now();
      const slotAt = received + waitMs;
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (performance.now() - slotAt + (received - asked) <= OutboundRateLimiter.LATE_TOLERANCE_MS) return;
    }
  }

  /** Milliseconds from now (the database's now) until the reserved slot. */
  private async reserve(bucket: string): Promise<number> {
    const rows: { wait_ms: string }[] = await this.dataSource.query(
      `INSERT INTO jumio_rate_slot AS s (bucket, next_free_at)
       VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (bucket) DO UPDATE
         SET next_free_at = GREATEST(s.next_free_at, clock_timestamp()) + $2 * interval '1 millisecond'
       RETURNING (EXTRACT(EPOCH FROM (s.next_free_at - clock_timestamp())) * 1000 - $2)::float8 AS wait_ms`,
      [bucket, this.spacingMs],
    );
    return Number(rows[0].wait_ms);
  }

  /** After a 429, no replica calls that data center again before Retry-After has passed. */
  async holdOff(bucket: string, ms: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO jumio_rate_slot AS s (bucket, next_free_at) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (bucket) DO UPDATE SET next_free_at = GREATEST(s.next_free_at, clock_timestamp() + $2 * interval '1 millisecond')`,
      [bucket, ms],
    );
  }
}
