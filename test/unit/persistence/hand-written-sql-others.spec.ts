import 'reflect-metadata';
import { Client } from 'pg';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../src/config/app-config';
import { runMigrationsExclusively } from '../../../src/database/migrations';
import { waitForDatabase } from '../../../src/database/wait-for-database';
import { CallbackInbox, type ArrivedCallback } from '../../../src/engine/callbacks/callback-inbox';
import { CallbackProcessor } from '../../../src/engine/callbacks/callback-processor';
import type { Clock } from '../../../src/engine/clock/clock';
import { ChangeFeed, encodeCursor } from '../../../src/engine/feed/change-feed';
import type { JumioTransport } from '../../../src/engine/jumio-transport/jumio-transport';
import { OutboundRateLimiter } from '../../../src/engine/jumio-transport/outbound-rate-limiter';
import { PostgresMediaStore } from '../../../src/engine/media/media-store';
import type { EngineMetrics } from '../../../src/engine/metrics/engine-metrics';
import { AttemptLog } from '../../../src/engine/persistence/attempt-log';
import { TrackedTransactionRepository } from '../../../src/engine/persistence/tracked-transaction.repository';
import { TransactionRowCodec } from '../../../src/engine/persistence/transaction-row-codec';
import type { ProductDefinition } from '../../../src/engine/product-kit/product-definition';
import { ProductRegistry } from '../../../src/engine/product-kit/product-registry';
import { JumioAccounts } from '../../../src/engine/accounts/jumio-accounts';
import type { DataCipher } from '../../../src/engine/crypto/data-cipher';
import { KeyRotation, MissingDataKeyError } from '../../../src/engine/key-rotation/key-rotation.service';
import { cipher, entity, LATER, NOW, RecordingDataSource, REFERENCE, snapshotChecks } from './recording-data-source';

/**
 * The hand-written statements hand-written-sql.spec.ts does not reach (the callback inbox, the change feed, the
 * attempt log's and the media store's reads, the rate limiter's, the callback processor's, start-up's), against a
 * committed snapshot, the same way. Those it reaches (clearBodiesOf, the media deletes, the calls and media
 * inserts) are not repeated. Update with `npx jest --config jest.config.json test/unit/persistence -u`.
 */

const DATABASE_URL = 'postgres://recorded@127.0.0.1:1/unused';

/** The configuration the limiter and the processor read, and nothing else. */
const config = {
  database: { url: DATABASE_URL },
  jumio: {
    rateLimitPerSecond: 10,
    defaultDatacenter: 'US',
    accounts: [{ name: 'default', datacenter: 'US', token: 't', secret: 's', ceilingPerSecond: 10 }],
  },
  reconciler: {
    enabled: false,
    callbackGraceSeconds: 900,
    scheduleSeconds: [60],
    dailyIntervalSeconds: 86_400,
    maxAgeDays: 30,
  },
} as unknown as AppConfig;

const CALLBACK_BODY = `transactionStatus=DONE&scanReference=${REFERENCE}`;

/** A product whose callback reads as a final DONE, with a completion (so the processor asks for earlier details). */
const product = {
  kind: 'id-verifications',
  callbacks: {
    referenceField: 'scanReference',
    read: () => ({
      status: { status: 'DONE' },
      details: {},
      journeyAt: null,
      merchantReference: null,
      customerReference: null,
    }),
    completion: { subresource: 'data/verification', merge: (details: unknown) => details },
  },
  normalizer: {
    readStatus: () => ({ final: true, status: 'DONE', raw: 'DONE' }),
    normalize: () => ({ identity: {} }),
  },
} as unknown as ProductDefinition;

/** pg Clients the code opens itself (the rate limiter's, start-up's), recorded through `ds` and never connected. */
function recordPgClients(ds: RecordingDataSource): void {
  jest.spyOn(Client.prototype, 'connect').mockImplementation(async () => undefined);
  jest.spyOn(Client.prototype, 'end').mockImplementation(async () => undefined);
  jest.spyOn(Client.prototype as any, 'query').mockImplementation(async (...args: unknown[]) => {
    const q = args[0] as string | { name?: string; text: string; values?: unknown[] };
    const { name, text, values = [] } = typeof q === 'string' ? { text: q } : q;
    return { rows: await ds.record({ via: 'client', ...(name ? { name } : {}), sql: text, values }) };
  });
}

describe('hand-written SQL, beside tracked_transaction (snapshots)', () => {
  let ds: RecordingDataSource;
  let inbox: CallbackInbox;
  let media: PostgresMediaStore;

  beforeAll(async () => {
    ds = await RecordingDataSource.create();
    inbox = new CallbackInbox(ds as unknown as DataSource, cipher);
    media = new PostgresMediaStore(ds as unknown as DataSource, cipher);
    recordPgClients(ds);
  });

  afterAll(() => jest.restoreAllMocks());

  snapshotChecks(__filename, () => ds);

  describe('callback inbox', () => {
    const arrived: ArrivedCallback = {
      kind: 'id-verifications',
      reference: REFERENCE,
      body: CALLBACK_BODY,
      identity: '[["transactionStatus","DONE"]]',
      sourceAddress: '203.0.113.7',
      accountHint: null,
      datacenterHint: 'EU',
    };

    it('store', async () => {
      ds.answers.push([{ id: '7', duplicate: false }]);
      expect(await inbox.store(arrived, NOW)).toEqual({ id: '7', duplicate: false });
      expect(ds.take()).toMatchSnapshot();
    });

    it('pendingIds, then lock one', async () => {
      ds.answers.push([{ id: '7' }], [{ id: '7', kind: 'id-verifications', reference: REFERENCE, body: null }]);
      const [id] = await inbox.pendingIds(50);
      expect(await inbox.lock(ds.manager as never, id)).not.toBeNull();
      expect(ds.take()).toMatchSnapshot();
    });

    it('markProcessed', async () => {
      await inbox.markProcessed(ds.manager as never, '7', 'MALFORMED', 'its status is not final', NOW);
      expect(ds.take()).toMatchSnapshot();
    });

    it('recordFailure', async () => {
      await inbox.recordFailure('7', 'internal error while processing; see the service log');
      expect(ds.take()).toMatchSnapshot();
    });

    it('deleteReceivedBefore', async () => {
      ds.answers.push([[{ id: '5' }, { id: '6' }], 2]);
      expect(await inbox.deleteReceivedBefore(NOW)).toBe(2);
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('callback processor', () => {
    it('processOne: a callback for a transaction awaiting it, applied in one database transaction', async () => {
      const metrics = { callbacks: { inc: jest.fn() }, onScrape: () => undefined };
      const products = new ProductRegistry();
      products.register(product);
      const processor = new CallbackProcessor(
        ds as unknown as DataSource,
        inbox,
        new TrackedTransactionRepository(ds as unknown as DataSource, new TransactionRowCodec(ds as never, cipher)),
        products,
        {} as JumioTransport,
        { now: () => LATER } as Clock,
        metrics as unknown as EngineMetrics,
        {} as SchedulerRegistry,
        new JumioAccounts(config),
        config,
      );
      const body = cipher.encryptJson(CALLBACK_BODY, 'body');
      ds.answers.push(
        [{ id: '7', kind: 'id-verifications', reference: REFERENCE, body_digest: 'd', body, received_at: NOW }],
        entity({ state: 'AWAITING_CALLBACK', datacenter: 'US', callbackReceivedAt: null, result: null }),
      );
      await processor.processOne('7');
      expect(metrics.callbacks.inc).toHaveBeenCalledWith({ kind: 'id-verifications', outcome: 'APPLIED' });
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('reads', () => {
    it('change feed: from the start, then after a cursor', async () => {
      const feed = new ChangeFeed(
        ds as unknown as DataSource,
        { onScrape: () => undefined } as unknown as EngineMetrics,
      );
      await feed.read(undefined, 100);
      await feed.read(encodeCursor({ xid: '812', id: '40' }), 100);
      expect(ds.take()).toMatchSnapshot();
    });

    it('attempt log: countsSince', async () => {
      await new AttemptLog(ds as unknown as DataSource).countsSince(NOW);
      expect(ds.take()).toMatchSnapshot();
    });

    it('media: get', async () => {
      ds.answers.push([
        { content_type: 'image/jpeg', byte_size: 10, sha256: 'ab', content: Buffer.from('jpeg'), key_id: 'key-1' },
      ]);
      expect(await media.get('42', 'front')).not.toBeNull();
      expect(ds.take()).toMatchSnapshot();
    });

    it('media: listMany (none sent for no transactions)', async () => {
      await media.listMany([]);
      await media.listMany(['41', '42']);
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('key rotation', () => {
    /** key-1 active, key-0 older; key-gone is stored but not configured. */
    const rotatingCipher = {
      ...cipher,
      activeKeyId: 'key-1',
      keyIds: ['key-1', 'key-0'],
      hasKey: (id: string) => id === 'key-1' || id === 'key-0',
      reencryptJson: (stored: unknown, context: string) =>
        cipher.encryptJson(cipher.decryptJson(stored, context), context),
      reencryptBytes: (stored: Buffer, context: string) => cipher.encryptBytes(stored, context),
    } as unknown as DataCipher;
    const rotation = () =>
      new KeyRotation(
        ds as unknown as DataSource,
        rotatingCipher,
        {} as SchedulerRegistry,
        { now: () => NOW } as Clock,
        { onScrape: () => undefined } as unknown as EngineMetrics,
        {
          reconciler: { enabled: false },
          security: { keyRotation: { batchSize: 100, intervalMs: 1000 } },
        } as AppConfig,
      );

    it('start-up check: the stored key ids (a skip scan of each index), then the count of the missing one', async () => {
      ds.answers.push([{ id: 'key-0' }, { id: 'key-gone' }], [{ key_id: 'key-gone', n: '3' }]);
      await expect(rotation().checkKeysCoverStoredValues()).rejects.toThrow(MissingDataKeyError);
      expect(ds.take()).toMatchSnapshot();
    });

    it('values by key id (the stats)', async () => {
      ds.answers.push([{ key_id: 'key-0', n: '5' }]);
      expect(await rotation().valuesByKeyId()).toEqual({ 'key-1': 0, 'key-0': 5 });
      expect(ds.take()).toMatchSnapshot();
    });

    it('a batch: the lock, the stale keys, then each place locked, re-encrypted and written in one transaction', async () => {
      ds.answers.push(
        [{ locked: true }],
        [{ id: 'key-0' }, { id: 'key-1' }],
        [{ id: '42', value: { value: { status: 'DONE' } } }],
        [], // its UPDATE
        [], // raw_details
        [], // raw_media_list
        [], // result
        [], // raw_callback
        [{ id: '9', kind: 'id-verifications', body_digest: 'd', value: { value: CALLBACK_BODY } }],
        [], // its UPDATE
        [{ transaction_id: '42', name: 'front', byte_size: 4 }],
        [{ id: '42/front', transaction_id: '42', name: 'front', key_id: 'key-0', content: Buffer.from('jpeg') }],
        [], // its UPDATE
      );
      expect(await rotation().runBatch()).toEqual({ reencrypted: 3, busy: false });
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe("statements on connections of the code's own", () => {
    it('rate limiter: a slot reserved, then a hold-off after a 429', async () => {
      // The limiter's clock stopped: its slot is never late, however busy the machine (a late one is reserved again).
      const clock = jest.spyOn(performance, 'now').mockReturnValue(0);
      const limiter = new OutboundRateLimiter(config);
      ds.answers.push([{ wait_ms: 0 }]);
      await limiter.acquire({ key: 'default/US', ceilingPerSecond: 10 });
      await limiter.holdOff('default/US', 2500);
      await limiter.onApplicationShutdown();
      clock.mockRestore();
      expect(ds.take()).toMatchSnapshot();
    });

    it('start-up: the database wait, and the migrations under their advisory lock', async () => {
      await waitForDatabase({ url: DATABASE_URL, waitSeconds: 0, log: { warn: () => undefined } });
      await runMigrationsExclusively(ds as unknown as DataSource);
      expect(ds.take()).toMatchSnapshot();
    });
  });
});
