import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import { EngineException } from '../engine.exception.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import type { EventType } from '../domain/tracking-state-machine.js';

export interface FeedEvent {
  id: string;
  kind: Kind;
  reference: string;
  type: EventType;
  at: string;
}

export interface FeedPage {
  events: FeedEvent[];
  next: string;
}

interface Position {
  xid: string;
  id: string;
}

const START: Position = { xid: '0', id: '0' };
const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * The change feed (`GET /v1/events`), where a reader that keeps `next` sees every event exactly once, in order.
 *
 * Ids come from a sequence, but transactions commit in any order: a reader paging by `id > cursor` can pass
 * id 11 (committed) while id 10 is still being written, and never see 10. So each event also records the id of
 * the transaction that wrote it (xid8), and the feed orders by (xid, id) and serves only events whose
 * transaction is older than the oldest transaction still running (the snapshot's xmin). Every such transaction
 * has finished, so no event can ever appear behind a cursor already handed out. The price: a long-running
 * write transaction anywhere on the server (xids are server-wide) delays, never loses, the events written after it started.
 */
@Injectable()
export class ChangeFeed {
  constructor(
    private readonly dataSource: DataSource,
    metrics: EngineMetrics,
  ) {
    metrics.onScrape(async () => {
      const held = await this.heldBack();
      metrics.changeFeedHeldBack.set(held.events);
      metrics.changeFeedLagSeconds.set(held.oldestAgeSeconds);
    });
  }

  /**
   * The events written but not served yet (their transaction, or an older one anywhere on the server, is still
   * open): a feed that stays held back is stuck behind a long transaction, which an operator should end.
   */
  async heldBack(): Promise<{ events: number; oldestAgeSeconds: number }> {
    const rows: { events: string; oldest_age: number | null }[] = await this.dataSource.query(
      `SELECT count(*) AS events, extract(epoch FROM clock_timestamp() - min(at))::float8 AS oldest_age
         FROM change_event WHERE xid >= pg_snapshot_xmin(pg_current_snapshot())`,
    );
    return { events: Number(rows[0].events), oldestAgeSeconds: Math.max(0, rows[0].oldest_age ?? 0) };
  }

  async read(after: string | undefined, limit: number): Promise<FeedPage> {
    const from = after ? decodeCursor(after) : START;
    // ORDER BY names the table's columns: the bare names would sort by the text aliases ("10" < "9").
    const rows: { id: string; xid: string; kind: Kind; reference: string; type: EventType; at: Date }[] =
      await this.dataSource.query(
        `SELECT id::text AS id, xid::text AS xid, kind, reference, type, at
         FROM change_event
        WHERE (xid, id) > ($1::xid8, $2::bigint)
          AND xid < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY change_event.xid, change_event.id
        LIMIT $3`,
        [from.xid, from.id, limit],
      );
    const last = rows.length > 0 ? { xid: rows[rows.length - 1].xid, id: rows[rows.length - 1].id } : from;
    return {
      events: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        reference: r.reference,
        type: r.type,
        at: new Date(r.at).toISOString(),
      })),
      next: encodeCursor(last),
    };
  }

  /** One transaction's events in the feed's order, those the feed still holds back included. */
  async forTransaction(kind: Kind, reference: string): Promise<FeedEvent[]> {
    const rows: { id: string; type: EventType; at: Date }[] = await this.dataSource.query(
      `SELECT id::text AS id, type, at
         FROM change_event
        WHERE reference = $1::uuid AND kind = $2
        ORDER BY change_event.xid, change_event.id`,
      [reference, kind],
    );
    return rows.map((r) => ({ id: r.id, kind, reference, type: r.type, at: new Date(r.at).toISOString() }));
  }
}

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.xid}.${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(decoded);
  if (!match || BigInt(match[1]) > MAX_XID8 || BigInt(match[2]) > MAX_BIGINT)
    throw new EngineException('INVALID_REQUEST', ['after must be a cursor returned as "next" by GET /v1/events']);
  return { xid: match[1], id: match[2] };
}
