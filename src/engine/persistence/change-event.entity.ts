import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'change_event' })
export class ChangeEventEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity' }) id: string;
  // The xid8 column (set by the database to the writing transaction) is read by ChangeFeed's SQL only.
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'uuid' }) reference: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'timestamptz' }) at: Date;
}
