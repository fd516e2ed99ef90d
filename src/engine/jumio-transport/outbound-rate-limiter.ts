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
 * The spacing is 3% wider than 1/ceiling: calls are sent a few milliseconds after their slot, and that jitter
 * must not squeeze ceiling+1 calls into a one-second window (with 3% the jitter would have to exceed ~30 ms).
 */
@Injectable()
export class OutboundRateLimiter {
  static readonly SPACING_MARGIN = 1.03;
  private readonly spacingMs: number;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.spacingMs = (1000 / config.jumio.rateLimitPerSecond) * OutboundRateLimiter.SPACING_MARGIN;
  }

  /** Reserves the next slot for `bucket` and waits for it. */
  async acquire(bucket: string): Promise<void> {
    const rows: { wait_ms: string }[] = await this.dataSource.query(
      `INSERT INTO jumio_rate_slot AS s (bucket, next_free_at)
       VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (bucket) DO UPDATE
         SET next_free_at = GREATEST(s.next_free_at, clock_timestamp()) + $2 * interval '1 millisecond'
       RETURNING (EXTRACT(EPOCH FROM (s.next_free_at - clock_timestamp())) * 1000 - $2)::float8 AS wait_ms`,
      [bucket, this.spacingMs],
    );
    const waitMs = Number(rows[0].wait_ms);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
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
