import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The attempt log: one row per call made to Jumio, whatever it returned. */
@Entity({ name: 'jumio_call' })
export class JumioCallEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity' }) id: string;
  @Column({ name: 'transaction_id', type: 'bigint' }) transactionId: string;
  @Column({ type: 'timestamptz' }) at: Date;
  /** The path called, without host or credentials. */
  @Column({ type: 'text' }) endpoint: string;
  @Column({ name: 'call_type', type: 'text' }) callType: string;
  @Column({ name: 'http_status', type: 'integer', nullable: true }) httpStatus: number | null;
  @Column({ name: 'duration_ms', type: 'integer' }) durationMs: number;
  @Column({ type: 'text' }) outcome: string;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'counts_as_attempt', type: 'boolean' }) countsAsAttempt: boolean;
  /** Who forced the call (an API key's name), when it was forced. */
  @Column({ type: 'text', nullable: true }) actor: string | null;
  /** The claim (replica id / batch) under which the call was made. */
  @Column({ type: 'text', nullable: true }) claim: string | null;
}
