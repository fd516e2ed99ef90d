import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DataCipher } from '../crypto/data-cipher.js';
import type { JumioDeletionPatch } from '../domain/jumio-deletion.js';
import type { MediaPlanEntry } from '../domain/media-plan.js';
import type { TrackingPatch } from '../domain/tracking-state-machine.js';
import { SetList, SqlParams } from '../sql/sql-set-builder.js';
import { TrackedTransactionEntity } from './tracked-transaction.entity.js';

/** The fields any write may set: the state machine's patch, Jumio's payloads and what is derived from them. */
export type TransactionPatch = TrackingPatch & {
  rawStatus?: unknown;
  rawDetails?: unknown;
  rawMediaList?: unknown;
  mediaPlan?: MediaPlanEntry[] | null;
  result?: Record<string, unknown> | null;
  rawCallback?: Record<string, string> | null;
  callbackCompletionPending?: boolean;
  unreachedFailures?: number;
} & JumioDeletionPatch;

/** The columns that hold what Jumio sent: personal data, deleted by a purge. */
export const PERSONAL_PROPERTIES = [
  'rawStatus',
  'rawDetails',
  'rawMediaList',
  'mediaPlan',
  'result',
  'rawCallback',
] as const;

/**
 * The columns encrypted at rest (DataCipher's JSON envelope, bound to `tracked_transaction:<id>:<column>`):
 * Jumio's payloads and the normalized result. media_plan stays in clear: it holds media names, Jumio's hrefs
 * (which carry only the transaction's reference) and per-medium outcomes, and no personal value; the reference,
 * the backend's merchant/customer references and the attempt log are tracking data, not Jumio's personal data.
 */
const ENCRYPTED_PROPERTIES = ['rawStatus', 'rawDetails', 'rawMediaList', 'result', 'rawCallback'] as const;

/** The database names of the encrypted columns (each has `<column>_key_id`, generated from its envelope). */
export const ENCRYPTED_COLUMNS = ['raw_status', 'raw_details', 'raw_media_list', 'result', 'raw_callback'] as const;

/** The additional authenticated data of one encrypted column of one row. */
export function transactionColumnContext(id: string, column: string): string {
  return `tracked_transaction:${id}:${column}`;
}

const JSON_COLUMNS = new Set(['raw_status', 'raw_details', 'raw_media_list', 'media_plan', 'result', 'raw_callback']);

/** The columns a view needs (never the raw payloads), for lists of many rows and the single view. */
export const VIEW_COLUMNS = [
  'id',
  'kind',
  'reference',
  'datacenter',
  'account',
  'merchant_reference',
  'customer_reference',
  'acquired_at',
  'callback_deadline',
  'state',
  'status',
  'callback_received_at',
  'attempts',
  'last_attempt_at',
  'next_attempt_at',
  'last_error',
  'result',
  'retrieved_at',
  'purged_at',
  'jumio_deletion_requested_at',
  'jumio_deleted_at',
  'jumio_deletion_error',
  'created_at',
  'updated_at',
]
  .map((c) => `t.${c}`)
  .join(', ');

/** A patch as it is stored: each value ready to bind (encrypted, JSON as text) with its column's cast. */
export interface EncodedPatch {
  columns: { column: string; value: unknown; cast: string }[];
  /** It stores some of Jumio's data (see personal_data_at). */
  personal: boolean;
}

/**
 * tracked_transaction's rows in and out: column names and types (from the entity's metadata), encryption of the
 * personal columns on the way in and decryption on the way out, and the SET list that writes a patch.
 */
@Injectable()
export class TransactionRowCodec {
  /** Property name to column name. */
  private readonly columns: Map<string, string>;
  /** Column name to SQL type, for casts in SET expressions. */
  private readonly types: Map<string, string>;
  /** Database names of the encrypted columns. */
  private readonly encryptedColumns: Set<string>;

  constructor(
    dataSource: DataSource,
    private readonly cipher: DataCipher,
  ) {
    const metadata = dataSource.getMetadata(TrackedTransactionEntity);
    this.columns = new Map(metadata.columns.map((c) => [c.propertyName, c.databaseName]));
    this.types = new Map(metadata.columns.map((c) => [c.databaseName, String(c.type)]));
    this.encryptedColumns = new Set(ENCRYPTED_PROPERTIES.map((p) => this.columns.get(p)!));
  }

  /**
   * A patch's values as stored. Values of the encrypted columns are encrypted here, bound to the row `id` (required
   * for them; null stays NULL). A patch that stores any of Jumio's payloads, or a step that stores media
   * (`personalData`), is personal.
   */
  encode(patch: object, opts: { personalData?: boolean; id?: string } = {}): EncodedPatch {
    const columns: EncodedPatch['columns'] = [];
    let personal = opts.personalData ?? false;
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const column = this.columns.get(key);
      if (!column) throw new Error(`unknown tracked_transaction field ${key}`);
      const stored =
        value !== null && this.encryptedColumns.has(column)
          ? this.cipher.encryptJson(value, this.context(opts.id, column))
          : value;
      const json = JSON_COLUMNS.has(column);
      columns.push({
        column,
        value: json && stored !== null ? JSON.stringify(stored) : stored,
        cast: json ? '::jsonb' : `::${this.types.get(column)}`,
      });
      if (value !== null && (PERSONAL_PROPERTIES as readonly string[]).includes(key)) personal = true;
    }
    return { columns, personal };
  }

  /**
   * SET assignments for an encoded patch, plus updated_at; a personal patch starts the personal data's age unless
   * it already runs.
   */
  sets(patch: EncodedPatch, now: Date, p: SqlParams): SetList {
    const sets = new SetList();
    for (const { column, value, cast } of patch.columns) sets.assign(column, p.add(value, cast));
    const at = p.add(now, '::timestamptz');
    sets.assign('updated_at', at);
    if (patch.personal) sets.push(`personal_data_at = coalesce(personal_data_at, ${at})`);
    return sets;
  }

  /** encode and sets at once, for a statement composed and run right away. */
  setClause(patch: object, now: Date, p: SqlParams, opts: { personalData?: boolean; id?: string } = {}): SetList {
    return this.sets(this.encode(patch, opts), now, p);
  }

  /** A raw row (RETURNING t.*, the view's columns) as an entity, decrypted. */
  fromRow(row: Record<string, unknown>): TrackedTransactionEntity {
    const entity = new TrackedTransactionEntity();
    for (const [property, column] of this.columns)
      (entity as unknown as Record<string, unknown>)[property] = row[column];
    entity.id = String(row.id);
    return this.decrypted(entity);
  }

  /**
   * Decrypts the encrypted columns in place (values stored before encryption read as they are); throws
   * DataDecryptionError when a value cannot be decrypted.
   */
  decrypted<T extends TrackedTransactionEntity>(entity: T): T {
    const fields = entity as unknown as Record<string, unknown>;
    for (const property of ENCRYPTED_PROPERTIES) {
      const value = fields[property];
      if (value !== null && value !== undefined)
        fields[property] = this.cipher.decryptJson(value, this.context(String(entity.id), this.columns.get(property)!));
    }
    return entity;
  }

  /** The additional authenticated data of one encrypted column of one row. */
  private context(id: string | undefined, column: string): string {
    if (!id) throw new Error(`tracked_transaction.${column} is encrypted: writing it needs the row's id`);
    return transactionColumnContext(id, column);
  }
}
