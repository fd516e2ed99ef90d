import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import {
  RecentFloor,
  batchLimit,
  maySend,
  paddingMs,
  reservationWidthUs,
  retryDelayMs,
  spacingMs,
} from './rate-slots.js';

/** One ceiling shared by every replica: an (account, data center) pair's calls to Jumio. */
export interface RateBucket {
  key: string;
  ceilingPerSecond: number;
}

interface Waiter {
  bucket: RateBucket;
  giveUps: number;
  /** Rejected by abandon(): a slot it was given, or a retry it was due, is skipped. */
  abandoned?: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

class LimiterClosed extends Error {
  constructor() {
    super('the rate limiter is shut down: no slot');
  }
}

/** The caller's bucket was abandoned while it waited (its account paused): it must not send. */
export class SlotAbandoned extends Error {
  constructor() {
    super('the bucket was abandoned while waiting for a slot: not sent');
  }
}

const RESERVE_SQL = `INSERT INTO jumio_rate_slot AS s (bucket, next_free_at)
  VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
  ON CONFLICT (bucket) DO UPDATE
    SET next_free_at = GREATEST(s.next_free_at, clock_timestamp()) + $2 * interval '1 microsecond'
  RETURNING (EXTRACT(EPOCH FROM (s.next_free_at - clock_timestamp())) * 1000 - $2 / 1000.0)::float8 AS wait_ms`;

/**
 * The global ceilings on calls to Jumio, one per bucket (an account in a data center, with that account's ceiling),
 * each shared by every replica through PostgreSQL.
 *
 * Calls reserve slots by GCRA (a token bucket of depth 1), not fixed windows: Jumio's rule holds for any
 * one-second window, and a fixed window lets twice the ceiling through across its boundary. One atomic upsert of
 * one row per bucket hands out consecutive slots `spacing` apart on the database's clock, so replicas on
 * different hosts agree; each caller sleeps until its slot. The arithmetic and its guarantee are in rate-slots.ts.
 *
 * Reservations run one at a time on a connection of the limiter's own, never the shared pool: a reservation's
 * round trip counts as uncertainty about its slot, and a wait for a pooled connection would make every slot look
 * late. Callers waiting meanwhile are served together by the next round trip (up to batchLimit slots). A caller
 * that wakes too late gives its slot up and retries after retryDelayMs; a database that stays slow pads the next
 * reservations (paddingMs): a slow database lowers the rate, never loops. If the connection fails, that round
 * trip's callers are rejected (no call is made) and the next round trip opens a new connection.
 */
@Injectable()
export class OutboundRateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboundRateLimiter.name);
  private readonly waiting = new Map<string, Waiter[]>();
  /** Callers asleep until their slots or their next try, by timer: shutdown ends the sleep early. */
  private readonly sleeping = new Map<NodeJS.Timeout, Waiter[]>();
  /** Recent reservation round trips: a database that stays slow pads the next reservations (paddingMs). */
  private readonly roundTrips = new RecentFloor();
  private pumping = false;
  private closed = false;
  private connection: { client: Client; ready: Promise<Client> } | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Reserves the next slot for `bucket` and waits for it; returns when the caller may send. */
  acquire(bucket: RateBucket): Promise<void> {
    if (this.closed) return Promise.reject(new LimiterClosed());
    return new Promise<void>((resolve, reject) => this.enqueue({ bucket, giveUps: 0, resolve, reject }));
  }

  /** After a 429, no replica calls with that bucket (the account in that data center) before Retry-After has passed. */
  async holdOff(bucket: string, ms: number): Promise<void> {
    await this.query(
      `INSERT INTO jumio_rate_slot AS s (bucket, next_free_at) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (bucket) DO UPDATE SET next_free_at = GREATEST(s.next_free_at, clock_timestamp() + $2 * interval '1 millisecond')`,
      [bucket, ms],
    );
  }

  /**
   * Every caller still waiting for a slot of `bucketKey` (queued, or asleep until its slot) is rejected with
   * SlotAbandoned at once: when an account pauses, its waiting calls give their in-flight places back instead of
   * holding them until slots they will not use (which would slow every other account).
   */
  abandon(bucketKey: string): void {
    const queued = this.waiting.get(bucketKey) ?? [];
    this.waiting.delete(bucketKey);
    const asleep = [...this.sleeping.values()].flat().filter((w) => w.bucket.key === bucketKey);
    for (const w of [...queued, ...asleep]) {
      w.abandoned = true;
      w.reject(new SlotAbandoned());
    }
  }

  /** Work in flight has finished or been given back (the scheduler's shutdown ran before): no slot is handed out any more. */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const queue of this.waiting.values()) for (const w of queue) w.reject(new LimiterClosed());
    this.waiting.clear();
    for (const [timer, ws] of this.sleeping) {
      clearTimeout(timer);
      for (const w of ws) w.reject(new LimiterClosed());
    }
    this.sleeping.clear();
    const connection = this.connection;
    this.connection = null;
    if (connection) await endQuietly(connection.client);
  }

  private enqueue(w: Waiter): void {
    if (w.abandoned) return;
    if (this.closed) return w.reject(new LimiterClosed());
    const queue = this.waiting.get(w.bucket.key);
    if (queue) queue.push(w);
    else this.waiting.set(w.bucket.key, [w]);
    if (!this.pumping) void this.pump();
  }

  /** One reservation at a time, for the callers of one bucket (round robin over buckets), until nobody waits. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (;;) {
        const next = this.waiting.entries().next();
        if (next.done) return;
        const [key, queue] = next.value;
        const bucket = queue[0].bucket;
        const batch = queue.splice(0, batchLimit(bucket.ceilingPerSecond, this.roundTrips.current()));
        // Served buckets go to the back of the map's order.
        this.waiting.delete(key);
        if (queue.length > 0) this.waiting.set(key, queue);
        try {
          await this.reserve(bucket, batch);
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async reserve(bucket: RateBucket, batch: Waiter[]): Promise<void> {
    const spacing = spacingMs(bucket.ceilingPerSecond);
    const padding = paddingMs(this.roundTrips.current());
    const client = await this.client();
    // Taken with the connection in hand: the round trip is the database's alone.
    const asked = performance.now();
    const rows = await this.run<{ wait_ms: number }>(client, {
      name: 'reserve-rate-slots',
      text: RESERVE_SQL,
      values: [bucket.key, reservationWidthUs(batch.length, spacing, padding)],
    });
    const received = performance.now();
    const roundTrip = received - asked;
    this.roundTrips.observe(roundTrip);
    // The database chose the slots somewhere between `asked` and `received`: waking at `received + wait` is never
    // before a slot; the send then lags it by at most (wake-up delay + round trip), which maySend bounds.
    const first = Number(rows[0].wait_ms);
    const dueAt = (i: number) => received + Math.max(0, first + i * spacing);
    let next = 0;
    const release = () => {
      const now = performance.now();
      // Slots already due go at once, in order (at high ceilings, most of a batch): no timer, no event-loop delay.
      for (; next < batch.length && dueAt(next) <= now; next++)
        this.settle(batch[next], now - dueAt(next), roundTrip, padding, spacing);
      if (next === batch.length) return;
      const wait = dueAt(next) - now;
      // Timers may fire up to a millisecond early, and release checks the clock again: never before a slot.
      if (wait < 1) setImmediate(release);
      else this.sleep(batch.slice(next), Math.floor(wait), release);
    };
    release();
  }

  /** At its slot, `lateMs` after it: the caller sends, or gives the slot up and asks again later (never at once). */
  private settle(w: Waiter, lateMs: number, roundTrip: number, padding: number, spacing: number): void {
    if (w.abandoned) return;
    if (maySend(lateMs, roundTrip, padding)) return w.resolve();
    w.giveUps++;
    this.sleep([w], retryDelayMs(w.giveUps, spacing), () => this.enqueue(w));
  }

  private sleep(ws: Waiter[], ms: number, then: () => void): void {
    if (this.closed) {
      for (const w of ws) w.reject(new LimiterClosed());
      return;
    }
    const timer = setTimeout(() => {
      this.sleeping.delete(timer);
      then();
    }, ms);
    this.sleeping.set(timer, ws);
  }

  private async query(text: string, values: unknown[]): Promise<void> {
    await this.run(await this.client(), { text, values });
  }

  /** A statement on the limiter's connection; a connection that failed is dropped (the next use opens another). */
  private async run<T>(client: Client, query: { name?: string; text: string; values: unknown[] }): Promise<T[]> {
    try {
      return (await client.query(query)).rows as T[];
    } catch (e) {
      this.drop(client);
      throw e;
    }
  }

  private client(): Promise<Client> {
    if (this.closed) return Promise.reject(new LimiterClosed());
    if (this.connection) return this.connection.ready;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'jumio-fallback rate limiter',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      // A reservation that hangs would hold every caller; dropping the connection lets the next one try again.
      query_timeout: 10_000,
    });
    // Without a listener, a connection the server ends (a restart, an outage) would crash the process.
    client.on('error', (err) => {
      this.logger.warn({ err }, 'the rate limiter lost its database connection; the next reservation reconnects');
      this.drop(client);
    });
    const ready = client.connect().then(
      () => client,
      (e: unknown) => {
        this.drop(client);
        throw e;
      },
    );
    this.connection = { client, ready };
    return ready;
  }

  private drop(client: Client): void {
    // Only if it is still the current one (a newer connection may already be in place).
    if (this.connection?.client === client) this.connection = null;
    void endQuietly(client);
  }
}

async function endQuietly(client: Client): Promise<void> {
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ]);
}
