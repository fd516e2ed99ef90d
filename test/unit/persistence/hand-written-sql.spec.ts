import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { CallbackInbox } from '../../../src/engine/callbacks/callback-inbox';
import { onPersonalDataPurged } from '../../../src/engine/domain/tracking-state-machine';
import { PostgresMediaStore } from '../../../src/engine/media/media-store';
import { AttemptLog, type JumioCallRecord } from '../../../src/engine/persistence/attempt-log';
import { StepSaves, type StepSave, type StepWrites } from '../../../src/engine/persistence/step-saves';
import { TrackedTransactionRepository } from '../../../src/engine/persistence/tracked-transaction.repository';
import { TransactionClaims } from '../../../src/engine/persistence/transaction-claims';
import { TransactionPurge } from '../../../src/engine/persistence/transaction-purge';
import { JumioDeletionSaves } from '../../../src/engine/persistence/jumio-deletion-saves';
import { TransactionReports, type TransactionFilter } from '../../../src/engine/persistence/transaction-reports';
import { TransactionRowCodec } from '../../../src/engine/persistence/transaction-row-codec';
import { PersonalDataPurge } from '../../../src/engine/retention/personal-data-purge';
import { cipher, entity, LATER, NOW, RecordingDataSource, REFERENCE, snapshotChecks } from './recording-data-source';

/**
 * Every hand-written statement on tracked_transaction (and those written with it: calls, media, events, the
 * callback inbox's bodies), as the code composes it, against a committed snapshot: a change to a statement's
 * text, its parameters or their order, or to the statements an operation sends (and whether in one database
 * transaction), shows up in review as a snapshot diff. No database: the DataSource records what it is sent.
 * The other hand-written statements (inbox, feed, limiter, start-up, ...) are in hand-written-sql-others.spec.ts.
 * Update with `npx jest --config jest.config.json test/unit/persistence -u` and review the diff.
 */

/** A row as the database returns it (column names), for the reads that map rows themselves. */
function rawRow(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    kind: 'id-verifications',
    reference: REFERENCE,
    datacenter: 'US',
    state: 'RECONCILING',
    status: 'PENDING',
    attempts: 1,
    raw_status: null,
    created_at: NOW,
    updated_at: NOW,
    ...extra,
  };
}

const call = (endpoint: string, outcome: string, httpStatus: number | null = 200): JumioCallRecord => ({
  at: NOW,
  endpoint,
  callType: 'status',
  httpStatus,
  durationMs: 12,
  outcome,
  error: null,
  countsAsAttempt: true,
  actor: null,
  claim: 'replica-a/1',
});

const save = (id: string, writes: StepWrites): StepSave => ({
  id,
  owner: 'replica-a/1',
  writes,
  now: NOW,
  leaseSeconds: 60,
});

/** The saves a reconciliation step makes, one per shape of statement. */
const STEP_SAVES: Record<string, StepWrites> = {
  'status answer, claim kept': {
    patch: { state: 'RECONCILING', status: 'PENDING', attempts: 1, lastAttemptAt: NOW, jumioStatusRaw: 'PENDING' },
    events: ['CALLBACK_MISSED'],
    calls: [call('/api/v1/accounts/x/workflow-executions/y/status', 'PENDING')],
    keepLease: true,
  },
  'payloads and result, claim given back (nothing scheduled)': {
    patch: {
      state: 'RETRIEVED',
      status: 'DONE',
      rawStatus: { status: 'DONE' },
      rawDetails: { document: { firstName: 'Jane' } },
      rawMediaList: [],
      mediaPlan: [],
      result: { identity: { firstName: 'Jane' } },
      retrievedAt: NOW,
      nextAttemptAt: null,
    },
    events: ['RETRIEVED'],
    calls: [call('/details', 'DONE'), call('/media-list', 'DONE')],
    keepLease: false,
  },
  'retry later under a Retry-After, claim given back': {
    patch: { nextAttemptAt: LATER, retryAfterUntil: LATER, lastError: 'RATE_LIMITED' },
    calls: [call('/status', 'RATE_LIMITED', 429)],
    keepLease: false,
  },
  'claim given back, schedule unchanged': { patch: { attempts: 3 }, keepLease: false },
  'deferred writes only (empty patch), claim kept': { patch: {}, keepLease: true },
  'callback fields, completion pending': {
    patch: { rawCallback: { transactionStatus: 'DONE' }, callbackCompletionPending: true },
    keepLease: true,
  },
  'a medium stored with its plan': {
    patch: {
      mediaPlan: [{ name: 'front', href: 'https://x/front', mediumClass: 'image', outcome: 'STORED', reason: null }],
    },
    events: ['MEDIA_STORED'],
    calls: [{ ...call('/front', 'STORED'), callType: 'medium', countsAsAttempt: false }],
    media: [{ name: 'front', medium: { bytes: Buffer.from('jpeg bytes'), contentType: 'image/jpeg' } }],
    keepLease: true,
  },
};

const FILTERS: Record<string, TransactionFilter> = {
  'no filter': {},
  kind: { kind: 'document-verifications' },
  state: { state: 'EXHAUSTED' },
  status: { status: 'FAILED' },
  customerReference: { customerReference: 'customer-7' },
  merchantReference: { merchantReference: 'merchant-7' },
  createdFrom: { createdFrom: NOW },
  createdTo: { createdTo: LATER },
  'every filter': {
    kind: 'id-verifications',
    state: 'RETRIEVED',
    status: 'DONE',
    customerReference: 'customer-7',
    merchantReference: 'merchant-7',
    createdFrom: NOW,
    createdTo: LATER,
  },
};

describe('hand-written SQL (snapshots)', () => {
  let ds: RecordingDataSource;
  let repository: TrackedTransactionRepository;
  let claims: TransactionClaims;
  let saves: StepSaves;
  let purges: PersonalDataPurge;
  let reports: TransactionReports;

  beforeAll(async () => {
    ds = await RecordingDataSource.create();
    const dataSource = ds as unknown as DataSource;
    const codec = new TransactionRowCodec(dataSource, cipher);
    const media = new PostgresMediaStore(dataSource, cipher);
    repository = new TrackedTransactionRepository(dataSource, codec);
    claims = new TransactionClaims(dataSource, codec);
    saves = new StepSaves(dataSource, codec, new AttemptLog(dataSource), media);
    const inbox = new CallbackInbox(dataSource, cipher);
    purges = new PersonalDataPurge(
      dataSource,
      repository,
      new TransactionPurge(codec),
      media,
      inbox,
      new JumioDeletionSaves(),
    );
    reports = new TransactionReports(dataSource, codec);
  });

  snapshotChecks(__filename, () => ds);

  describe('claims', () => {
    it('claimDue: the claim, and a row it cannot decrypt set aside', async () => {
      ds.answers.push([
        [rawRow('41', { claimed_forced_by: 'ops-key' }), rawRow('42', { raw_status: 'unreadable' })],
        2,
      ]);
      const claimed = await claims.claimDue('replica-a/1', NOW, 8, 60);
      expect(claimed.map((c) => c.id)).toEqual(['41']);
      expect(ds.take()).toMatchSnapshot();
    });

    it('claimDue while an account is paused: its rows wait, except a callback deadline and the maximum age', async () => {
      ds.answers.push([[rawRow('41')], 1]);
      const paused = { pairs: [{ account: 'eu-main', datacenter: 'EU' }], expiredBefore: LATER };
      expect((await claims.claimDue('replica-a/1', NOW, 8, 60, paused)).map((c) => c.probe)).toEqual([false]);
      expect(ds.take()).toMatchSnapshot();
    });

    it("claimPairs: each account's share, by rank then oldest due", async () => {
      ds.answers.push([[rawRow('44'), rawRow('45')], 2]);
      const pairs = [
        { account: 'default', datacenter: 'US' },
        { account: 'eu-main', datacenter: 'EU' },
      ];
      const claimed = await claims.claimPairs('replica-a/1', NOW, 4, 60, pairs, 2);
      expect(claimed.map((c) => [c.id, c.probe])).toEqual([
        ['44', false],
        ['45', false],
      ]);
      expect(ds.take()).toMatchSnapshot();
    });

    it("claimProbe: a paused account's first due row by rank, then oldest due", async () => {
      ds.answers.push([[rawRow('43')], 1]);
      const probe = await claims.claimProbe('replica-a/1', NOW, 60, { account: 'eu-main', datacenter: 'EU' });
      expect(probe).toMatchObject({ id: '43', probe: true });
      expect(ds.take()).toMatchSnapshot();
    });

    it('release', async () => {
      await claims.release('42', 'replica-a/1', 'ops-key');
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('step saves', () => {
    for (const [name, writes] of Object.entries(STEP_SAVES)) {
      it(`applyStep: ${name}`, async () => {
        ds.answers.push([{ matched: [true] }]);
        await saves.applyStep('42', 'replica-a/1', writes, NOW, 60);
        expect(ds.take()).toMatchSnapshot();
      });
    }

    it('applySteps: a group of two status saves, one statement', async () => {
      ds.answers.push([{ matched: [true, false] }]);
      const writes = STEP_SAVES['status answer, claim kept'];
      const matched = await saves.applySteps([
        saves.composeStep(save('41', writes)),
        saves.composeStep(save('42', writes)),
      ]);
      expect(matched).toEqual([true, false]);
      expect(ds.take()).toMatchSnapshot();
    });

    it('applySteps: a later group of the same shape sends the same text with its own values', async () => {
      const writes = STEP_SAVES['status answer, claim kept'];
      const group = (ids: string[]) => saves.applySteps(ids.map((id) => saves.composeStep(save(id, writes))));
      ds.answers.push([{ matched: [true, true] }], [{ matched: [true, true] }]);
      await group(['41', '42']);
      await group(['43', '44']);
      const [first, later] = ds.take() as { sql: string; values: unknown[] }[];
      expect(later.sql).toBe(first.sql);
      expect(later.values).toEqual(first.values.map((v) => (v === '41' ? '43' : v === '42' ? '44' : v)));
    });
  });

  describe('reads and writes outside a claim', () => {
    it('findView', async () => {
      ds.answers.push([rawRow('42', { media: [{ name: 'front', contentType: 'image/jpeg', byteSize: 10 }] })]);
      expect(await repository.findView('id-verifications', REFERENCE)).not.toBeNull();
      expect(ds.take()).toMatchSnapshot();
    });

    it('insertIfAbsent', async () => {
      ds.answers.push([{ id: '42' }], [], entity({ state: 'AWAITING_CALLBACK' }));
      const created = await repository.insertIfAbsent(
        {
          kind: 'id-verifications',
          reference: REFERENCE,
          datacenter: 'US',
          account: 'default',
          accountExplicit: false,
          deleteAtJumio: false,
          merchantReference: 'merchant-7',
          customerReference: null,
          acquiredAt: NOW,
          callbackGraceSeconds: 900,
          callbackDeadline: LATER,
          state: 'AWAITING_CALLBACK',
          status: 'PENDING',
          nextAttemptAt: LATER,
        },
        NOW,
      );
      expect(created.created).toBe(true);
      expect(ds.take()).toMatchSnapshot();
    });

    it('insertManyIfAbsent', async () => {
      ds.answers.push([{ reference: REFERENCE }]);
      const row = {
        kind: 'id-verifications' as const,
        datacenter: 'US' as const,
        account: 'default',
        accountExplicit: false,
        merchantReference: null,
        customerReference: 'user-7',
        acquiredAt: NOW,
        callbackGraceSeconds: 900,
        callbackDeadline: LATER,
        state: 'AWAITING_CALLBACK' as const,
        status: 'UNKNOWN' as const,
        nextAttemptAt: LATER,
        deleteAtJumio: false,
      };
      const inserted = await repository.insertManyIfAbsent(
        [
          { ...row, reference: REFERENCE },
          { ...row, reference: '00000000-0000-4000-8000-000000000002', datacenter: 'EU', accountExplicit: true },
        ],
        NOW,
      );
      expect([...inserted]).toEqual([REFERENCE]);
      expect(ds.take()).toMatchSnapshot();
    });

    it('findManyViews', async () => {
      ds.answers.push([rawRow('42', { media: [], callback_grace_seconds: 900, started_by_callback: false })]);
      const found = await repository.findManyViews('id-verifications', [
        REFERENCE,
        '00000000-0000-4000-8000-000000000002',
      ]);
      expect([...found.keys()]).toEqual([REFERENCE]);
      expect(ds.take()).toMatchSnapshot();
    });

    it('updateLocked: a change that ends the schedule, with its event', async () => {
      ds.answers.push(entity(), [], [], entity({ state: 'RETRIEVED' }));
      await repository.updateLocked(
        'id-verifications',
        REFERENCE,
        () => ({
          patch: { state: 'RETRIEVED', status: 'DONE', rawCallback: { a: '1' }, nextAttemptAt: null },
          events: ['CALLBACK_RECEIVED'],
        }),
        NOW,
      );
      expect(ds.take()).toMatchSnapshot();
    });

    it('updateLocked: a change that keeps the schedule', async () => {
      ds.answers.push(entity(), [], entity());
      await repository.updateLocked(
        'id-verifications',
        REFERENCE,
        () => ({ patch: { merchantReference: 'merchant-8' }, events: [] }),
        NOW,
      );
      expect(ds.take()).toMatchSnapshot();
    });

    it('forceAttempt: reconciliation started now, claim dropped', async () => {
      ds.answers.push(entity({ state: 'AWAITING_CALLBACK' }), [], [], entity());
      await repository.forceAttempt('id-verifications', REFERENCE, 'ops-key', NOW, () => ({
        patch: { state: 'RECONCILING', nextAttemptAt: NOW },
        events: ['CALLBACK_MISSED'],
        dueAt: NOW,
        dropLease: true,
      }));
      expect(ds.take()).toMatchSnapshot();
    });

    it('forceAttempt: next step brought forward, claim kept', async () => {
      ds.answers.push(entity(), [], entity());
      await repository.forceAttempt('id-verifications', REFERENCE, 'ops-key', NOW, () => ({
        patch: { nextAttemptAt: NOW },
        events: [],
        dueAt: LATER,
        dropLease: false,
      }));
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('purge', () => {
    const locked = (state: string, holds: boolean) => [
      { id: '42', kind: 'id-verifications', reference: REFERENCE, state, holds },
    ];

    it('purgePersonalData: a transaction holding personal data', async () => {
      ds.answers.push(locked('RETRIEVED', true), [], [], [], [], entity({ state: 'PURGED' }));
      const result = await purges.purgePersonalData('id-verifications', REFERENCE, NOW, (row) =>
        onPersonalDataPurged(row, NOW),
      );
      expect(result?.purged).toBe(true);
      expect(ds.take()).toMatchSnapshot();
    });

    it('purgePersonalData: already purged, nothing held', async () => {
      ds.answers.push(locked('PURGED', false), entity({ state: 'PURGED' }));
      const result = await purges.purgePersonalData('id-verifications', REFERENCE, NOW, (row) =>
        onPersonalDataPurged(row, NOW),
      );
      expect(result?.purged).toBe(false);
      expect(ds.take()).toMatchSnapshot();
    });

    it('purgePersonalData ?atJumio=true: the delete at Jumio falls due now', async () => {
      ds.answers.push(locked('RECONCILING', true), [], [], [], [], [], entity({ state: 'PURGED' }));
      const result = await purges.purgePersonalData(
        'id-verifications',
        REFERENCE,
        NOW,
        (row) => onPersonalDataPurged(row, NOW),
        { atJumio: true },
      );
      expect(result?.purged).toBe(true);
      expect(ds.take()).toMatchSnapshot();
    });

    it('purgeExpiredBatch: one statement per distinct transition', async () => {
      const other = '7d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6';
      ds.answers.push([
        { id: '41', kind: 'id-verifications', reference: REFERENCE, state: 'RETRIEVED' },
        { id: '42', kind: 'authentications', reference: other, state: 'PURGED' },
        { id: '43', kind: 'id-verifications', reference: other, state: 'EXHAUSTED' },
      ]);
      const purged = await purges.purgeExpiredBatch(LATER, 200, NOW, (row) => onPersonalDataPurged(row, NOW));
      expect(purged).toBe(3);
      expect(ds.take()).toMatchSnapshot();
    });
  });

  describe('admin reads', () => {
    for (const [name, filter] of Object.entries(FILTERS)) {
      it(`list: ${name}`, async () => {
        await reports.list(filter, null, 51);
        expect(ds.take()).toMatchSnapshot();
      });
    }

    it('list: after a position, with a filter', async () => {
      ds.answers.push([rawRow('40', { position_created_at: '2026-11-26T09:59:59.123456Z' })]);
      const rows = await reports.list(FILTERS.kind, { createdAt: '2026-11-26T10:00:00.000001Z', id: '41' }, 51);
      expect(rows[0].position).toEqual({ createdAt: '2026-11-26T09:59:59.123456Z', id: '40' });
      expect(ds.take()).toMatchSnapshot();
    });

    it('stats: counts by kind and state, due now, oldest overdue, due calls per account', async () => {
      ds.answers.push(
        [{ kind: 'id-verifications', state: 'RECONCILING', count: '3' }],
        [{ count: '2' }],
        [{ kind: 'id-verifications', reference: REFERENCE, next_attempt_at: NOW }],
        [{ account: 'default', datacenter: 'US', calls: '7' }],
      );
      await reports.countByKindAndState();
      await reports.countDue(NOW);
      await reports.oldestOverdue(NOW);
      expect(await reports.dueCallsByAccount(NOW)).toEqual([{ account: 'default', datacenter: 'US', calls: 7 }]);
      expect(ds.take()).toMatchSnapshot();
    });
  });
});
