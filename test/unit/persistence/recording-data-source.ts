import { existsSync } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from '../../../src/database/database-options';
import { DataCipher, DataDecryptionError } from '../../../src/engine/crypto/data-cipher';
import { TrackedTransactionEntity } from '../../../src/engine/persistence/tracked-transaction.entity';

/**
 * What the hand-written-sql specs share: a DataSource that records every statement it is sent, a readable fake
 * cipher, fixed times and a reference, and the checks each snapshot file makes.
 */

export const NOW = new Date('2026-11-26T10:00:00.000Z');
export const LATER = new Date('2026-11-26T10:01:40.000Z');
export const REFERENCE = '6b1c3f0e-2d4a-4b8e-9c71-0a5e3d2f1b77';

/**
 * What the code under test sent, in order; `{`/`}` mark a database transaction's start and commit. `client` is a
 * pg Client of the code's own (not TypeORM's pool), `name` a prepared statement's name.
 */
export type Sent =
  | { via: 'query' | 'prepared' | 'client'; name?: string; sql: string; values: unknown[] }
  | { via: 'findOne'; entity: string; options: unknown }
  | { via: 'runMigrations'; options: unknown }
  | { via: '{' | '}' };

/** A DataSource that answers from a queue (one answer per statement, [] when empty) and records what it is sent. */
export class RecordingDataSource {
  readonly sent: Sent[] = [];
  readonly answers: unknown[] = [];
  private metadata!: DataSource;

  readonly manager = {
    query: async (sql: string, values: unknown[] = []) => this.record({ via: 'query', sql, values }),
    findOne: async (entity: { name: string }, options: unknown) =>
      this.record({ via: 'findOne', entity: entity.name, options }),
  };

  readonly driver = {
    master: {
      query: async ({ text, values }: { text: string; values: unknown[] }) => ({
        rows: await this.record({ via: 'prepared', sql: text, values }),
      }),
    },
  };

  static async create(): Promise<RecordingDataSource> {
    const ds = new RecordingDataSource();
    // The entities' real metadata, built without a connection.
    ds.metadata = new DataSource({ type: 'postgres', entities: ENTITIES });
    await (ds.metadata as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    return ds;
  }

  getMetadata(entity: unknown) {
    return this.metadata.getMetadata(entity as typeof TrackedTransactionEntity);
  }

  query(sql: string, values: unknown[] = []) {
    return this.manager.query(sql, values);
  }

  async transaction<T>(work: (m: unknown) => Promise<T>): Promise<T> {
    this.sent.push({ via: '{' });
    const result = await work(this.manager);
    this.sent.push({ via: '}' });
    return result;
  }

  /** A runner on one connection of its own (the migrations' advisory lock); its statements are recorded as queries. */
  createQueryRunner() {
    return { connect: async () => undefined, release: async () => undefined, query: this.manager.query };
  }

  /** Recorded where it runs between other statements; no migration is pending. */
  async runMigrations(options: unknown): Promise<never[]> {
    this.sent.push({ via: 'runMigrations', options });
    return [];
  }

  /** What was sent since the last call, for a snapshot. */
  take(): Sent[] {
    return this.sent.splice(0).map((s) => ('values' in s ? { ...s, values: s.values.map(readable) } : s));
  }

  /** Records a statement and answers it from the queue (also for pg Clients a spec records through this fake). */
  async record(sent: Sent): Promise<never> {
    this.sent.push(sent);
    return (this.answers.length ? this.answers.shift() : []) as never;
  }
}

/** Values as a reviewer reads them: bytes as text (the fake cipher's are readable). */
function readable(value: unknown): unknown {
  return Buffer.isBuffer(value) ? `<bytes ${value.toString('latin1')}>` : value;
}

/** A cipher whose output names the context it is bound to, so the snapshot shows every binding. */
export const cipher = {
  activeKeyId: 'key-1',
  fingerprint: (text: string) => `fingerprint(${text})`,
  encryptJson: (value: unknown, context: string) => ({ sealed: context, value }),
  decryptJson: (stored: unknown, context: string) => {
    if (stored === 'unreadable') throw new DataDecryptionError('UNKNOWN_KEY', context, 'retired', 'no such key');
    return (stored as { value?: unknown }).value ?? stored;
  },
  encryptBytes: (plain: Buffer, context: string) => Buffer.from(`sealed(${context}):${plain.toString('latin1')}`),
  decryptBytes: (stored: Buffer) => stored,
} as unknown as DataCipher;

/** A row as TypeORM's findOne returns it. */
export function entity(extra: Partial<TrackedTransactionEntity> = {}): TrackedTransactionEntity {
  return Object.assign(new TrackedTransactionEntity(), {
    id: '42',
    kind: 'id-verifications',
    reference: REFERENCE,
    state: 'RECONCILING',
    status: 'PENDING',
    rawStatus: null,
    ...extra,
  });
}

/**
 * In a spec's describe: each test used every answer it queued, and the spec's snapshot file is committed (a missing
 * one would be written by the run, not compared, and every statement would pass unseen).
 */
export function snapshotChecks(specFile: string, ds: () => RecordingDataSource): void {
  afterEach(() => {
    expect(ds().answers).toEqual([]);
    ds().take();
  });

  it('has a committed snapshot to compare with (a missing one would be written, not compared)', () => {
    const snapshot = path.join(path.dirname(specFile), '__snapshots__', `${path.basename(specFile)}.snap`);
    expect(existsSync(snapshot)).toBe(true);
  });
}
