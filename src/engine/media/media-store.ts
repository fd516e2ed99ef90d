import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DataCipher } from '../crypto/data-cipher.js';
import type { SqlParams } from '../sql/sql-set-builder.js';
import { StoredMediumEntity } from './stored-medium.entity.js';

export interface MediumToStore {
  bytes: Buffer;
  contentType: string;
}

export interface StoredMediumInfo {
  name: string;
  contentType: string;
  byteSize: number;
  sha256: string;
}

/** Media as insertFromSql writes them: hashed and encrypted once, so the statement may be composed more than once. */
export interface MediaToInsert {
  /** The data key that encrypted every `content`. */
  keyId: string;
  rows: (StoredMediumInfo & { content: Buffer })[];
}

/**
 * Where retrieved images, facemaps and PDFs live. PostgreSQL for now (bytea next to the transaction, written
 * in the same transaction as the step that fetched it); the abstract class is the seam for an object store.
 * The bytes are encrypted at rest (DataCipher); sizes and SHA-256 are those of the medium itself.
 */
export abstract class MediaStore {
  /**
   * `media` of the transaction made ready for insertFromSql (hashed, encrypted bound to the transaction). An
   * object store would upload here, and insert rows that point to the objects.
   */
  abstract prepare(transactionId: string, media: { name: string; medium: MediumToStore }[]): MediaToInsert;
  /**
   * The INSERT that stores prepared media, as a part of the statement that saves the step which fetched them: only
   * when `source` (a CTE, the step's fenced update, with the transaction's id) yields a row. Stores once: a second
   * store of the same name keeps the first.
   */
  abstract insertFromSql(source: string, media: MediaToInsert, now: Date, p: SqlParams): string;
  abstract list(transactionId: string): Promise<StoredMediumInfo[]>;
  /** The media of many transactions in one query (admin lists): every id is a key, with [] when it has none. */
  abstract listMany(transactionIds: string[]): Promise<Map<string, StoredMediumInfo[]>>;
  abstract get(transactionId: string, name: string): Promise<(StoredMediumInfo & { bytes: Buffer }) | null>;
  abstract deleteAll(m: EntityManager, transactionId: string): Promise<void>;
  /** deleteAll for many transactions at once (retention's batches), in the caller's transaction. */
  abstract deleteAllOf(m: EntityManager, transactionIds: string[]): Promise<void>;
}

/**
 * stored_medium: `content` is DataCipher's binary format bound to `stored_medium:<transaction_id>:<name>`, and
 * `key_id` names its key (NULL: a medium stored in clear before encryption, read as it is). `key_id` is read and
 * written by this SQL only, not mapped on the entity, and says which media still need an old key.
 */
@Injectable()
export class PostgresMediaStore extends MediaStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: DataCipher,
  ) {
    super();
  }

  prepare(transactionId: string, media: { name: string; medium: MediumToStore }[]): MediaToInsert {
    return {
      keyId: this.cipher.activeKeyId,
      rows: media.map(({ name, medium }) => ({
        name,
        contentType: medium.contentType,
        byteSize: medium.bytes.length,
        sha256: createHash('sha256').update(medium.bytes).digest('hex'),
        content: this.cipher.encryptBytes(medium.bytes, mediumContext(transactionId, name)),
      })),
    };
  }

  insertFromSql(source: string, media: MediaToInsert, now: Date, p: SqlParams): string {
    const keyId = p.add(media.keyId, '::text');
    const storedAt = p.add(now, '::timestamptz');
    const rows = media.rows.map(
      (m) =>
        `(${p.add(m.name, '::text')}, ${p.add(m.contentType, '::text')}, ${p.add(m.byteSize, '::integer')}, ${p.add(m.sha256, '::text')}, ${p.add(m.content, '::bytea')})`,
    );
    return `INSERT INTO stored_medium (transaction_id, name, content_type, byte_size, sha256, content, key_id, stored_at)
            SELECT s.id, v.name, v.content_type, v.byte_size, v.sha256, v.content, ${keyId}, ${storedAt}
              FROM ${source} s CROSS JOIN (VALUES ${rows.join(', ')}) AS v(name, content_type, byte_size, sha256, content)
            ON CONFLICT (transaction_id, name) DO NOTHING`;
  }

  async list(transactionId: string): Promise<StoredMediumInfo[]> {
    const rows = await this.dataSource.manager.find(StoredMediumEntity, { where: { transactionId } });
    return rows
      .map(({ name, contentType, byteSize, sha256 }) => ({ name, contentType, byteSize, sha256 }))
      .sort(byMediumName);
  }

  async listMany(transactionIds: string[]): Promise<Map<string, StoredMediumInfo[]>> {
    const byId = new Map<string, StoredMediumInfo[]>(transactionIds.map((id) => [id, []]));
    if (transactionIds.length === 0) return byId;
    const rows: { transaction_id: string; name: string; content_type: string; byte_size: number; sha256: string }[] =
      await this.dataSource.query(
        `SELECT transaction_id::text AS transaction_id, name, content_type, byte_size, sha256
         FROM stored_medium WHERE transaction_id = ANY($1::bigint[])`,
        [transactionIds],
      );
    for (const r of rows)
      byId
        .get(r.transaction_id)
        ?.push({ name: r.name, contentType: r.content_type, byteSize: r.byte_size, sha256: r.sha256 });
    for (const list of byId.values()) list.sort(byMediumName);
    return byId;
  }

  async get(transactionId: string, name: string): Promise<(StoredMediumInfo & { bytes: Buffer }) | null> {
    const rows: { content_type: string; byte_size: number; sha256: string; content: Buffer; key_id: string | null }[] =
      await this.dataSource.query(
        `SELECT content_type, byte_size, sha256, content, key_id FROM stored_medium WHERE transaction_id = $1 AND name = $2`,
        [transactionId, name],
      );
    if (rows.length === 0) return null;
    const r = rows[0];
    const bytes = this.cipher.decryptBytes(r.content, mediumContext(transactionId, name), r.key_id);
    return { name, contentType: r.content_type, byteSize: r.byte_size, sha256: r.sha256, bytes };
  }

  async deleteAll(m: EntityManager, transactionId: string): Promise<void> {
    await m.query(`DELETE FROM stored_medium WHERE transaction_id = $1`, [transactionId]);
  }

  async deleteAllOf(m: EntityManager, transactionIds: string[]): Promise<void> {
    if (transactionIds.length === 0) return;
    await m.query(`DELETE FROM stored_medium WHERE transaction_id = ANY($1::bigint[])`, [transactionIds]);
  }
}

/** The additional authenticated data of a medium's bytes. */
export function mediumContext(transactionId: string, name: string): string {
  return `stored_medium:${transactionId}:${name}`;
}

/** front, back, face, then numbered media in numeric order (liveness-2 before liveness-10), then the rest. */
export function byMediumName(a: { name: string }, b: { name: string }): number {
  const rank = (n: string) => ['front', 'back', 'face'].indexOf(n) + 1 || 4;
  return rank(a.name) - rank(b.name) || a.name.localeCompare(b.name, 'en', { numeric: true });
}
