import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'stored_medium' })
export class StoredMediumEntity {
  @PrimaryColumn({ name: 'transaction_id', type: 'bigint' }) transactionId: string;
  @PrimaryColumn({ type: 'text' }) name: string;
  @Column({ name: 'content_type', type: 'text' }) contentType: string;
  @Column({ name: 'byte_size', type: 'integer' }) byteSize: number;
  @Column({ type: 'text' }) sha256: string;
  @Column({ type: 'bytea', select: false }) content: Buffer;
  @Column({ name: 'stored_at', type: 'timestamptz' }) storedAt: Date;
  /** The data key that encrypted `content`; null for media stored before encryption at rest. */
  @Column({ name: 'key_id', type: 'text', nullable: true }) keyId: string | null;
}
