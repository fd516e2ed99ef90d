import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import { JumioCallEntity } from './jumio-call.entity.js';

export type CallType = 'status' | 'details' | 'media-list' | 'medium';

/** One call to Jumio, as the attempt log keeps it: no credentials, no payload values. */
export interface JumioCallRecord {
  at: Date;
  endpoint: string;
  callType: CallType;
  httpStatus: number | null;
  durationMs: number;
  /** PENDING, DONE, FAILED, NOT_FOUND, STORED, or a JumioFailure (TIMEOUT, RATE_LIMITED, REFUSED, ...). */
  outcome: string;
  error: string | null;
  countsAsAttempt: boolean;
  actor?: string | null;
}

/** Every query on jumio_call, in one place. */
@Injectable()
export class AttemptLog {
  constructor(private readonly dataSource: DataSource) {}

  async append(m: EntityManager, transactionId: string, calls: JumioCallRecord[]): Promise<void> {
    await m.insert(
      JumioCallEntity,
      calls.map((c) => ({ ...c, transactionId, actor: c.actor ?? null })),
    );
  }

  async forTransaction(transactionId: string): Promise<JumioCallEntity[]> {
    return this.dataSource.manager.find(JumioCallEntity, { where: { transactionId }, order: { id: 'ASC' } });
  }
}
