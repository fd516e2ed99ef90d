import { randomUUID } from 'node:crypto';
import { DataCipher } from '../../src/engine/crypto/data-cipher';
import type { JumioCallRecord } from '../../src/engine/persistence/attempt-log';
import { TrackedTransactionRepository } from '../../src/engine/persistence/tracked-transaction.repository';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * TrackedTransactionRepository.applyStep, the reconciler's fenced save: one statement that writes the row, the
 * calls, the media and the events together, only the calls when the claim is no longer the caller's.
 */
describe('a step save (applyStep)', () => {
  let t: TestApp;
  let repository: TrackedTransactionRepository;

  beforeAll(async () => {
    t = await startTestApp({ env: { CALLBACK_GRACE_SECONDS: '0' } });
    repository = t.app.get(TrackedTransactionRepository);
  });
  afterAll(async () => t.close());

  const call = (endpoint: string, outcome: string): JumioCallRecord => ({
    at: t.clock.now(), endpoint, callType: 'medium', httpStatus: 200, durationMs: 3, outcome, error: null, countsAsAttempt: false, actor: null, claim: 'test/1',
  });

  /** A tracked transaction claimed by `owner`. */
  async function claimed(owner: string): Promise<{ id: string; reference: string }> {
    const reference = randomUUID();
    await t.http().post('/v1/id-verifications').set(bearer(BACKEND_KEY)).send({ reference }).expect(201);
    const rows = await repository.claimDue(owner, t.clock.now(), 100, 60);
    const mine = rows.find((r) => r.reference === reference);
    expect(mine).toBeDefined();
    return { id: mine!.id, reference };
  }

  const facts = async (id: string) => {
    const [row] = await t.dataSource.query(
      `SELECT state, raw_status, lease_owner, personal_data_at IS NOT NULL AS personal, xmin::text AS xmin FROM tracked_transaction WHERE id = $1`,
      [id],
    );
    const calls = await t.dataSource.query(`SELECT endpoint, outcome, claim, xmin::text AS xmin FROM jumio_call WHERE transaction_id = $1 ORDER BY id`, [id]);
    const events = await t.dataSource.query(
      `SELECT e.type, e.xid::text AS xid FROM change_event e JOIN tracked_transaction r ON r.kind = e.kind AND r.reference = e.reference WHERE r.id = $1 ORDER BY e.id`,
      [id],
    );
    const media = await t.dataSource.query(`SELECT name, content, key_id, byte_size, xmin::text AS xmin FROM stored_medium WHERE transaction_id = $1 ORDER BY name`, [id]);
    return { row, calls, events, media };
  };

  it('under the claim: the row, the calls in order, the media (encrypted, bound to the row) and the events in order, in one transaction', async () => {
    const { id, reference } = await claimed('replica-a/1');
    const bytes = Buffer.from('\xff\xd8\xff\xe0 not really a jpeg, but bytes', 'latin1');
    const ok = await repository.applyStep(
      id,
      'replica-a/1',
      {
        patch: { state: 'RECONCILING', rawStatus: { status: 'DONE', secret: 'Jane Doe' } },
        events: ['CALLBACK_MISSED', 'RETRIEVED'],
        calls: [call('/first', 'STORED'), call('/second', 'STORED')],
        media: [{ name: 'front', medium: { bytes, contentType: 'image/jpeg' } }],
        keepLease: true,
      },
      t.clock.now(),
      60,
    );
    expect(ok).toBe(true);
    const { row, calls, events, media } = await facts(id);
    expect(row).toMatchObject({ state: 'RECONCILING', lease_owner: 'replica-a/1', personal: true });
    expect(JSON.stringify(row.raw_status)).not.toContain('Jane Doe');
    expect((await repository.find('id-verifications', reference))!.rawStatus).toEqual({ status: 'DONE', secret: 'Jane Doe' });
    expect(calls.map((c: { endpoint: string }) => c.endpoint)).toEqual(['/first', '/second']);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RETRIEVED']);
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({ name: 'front', key_id: t.app.get(DataCipher).activeKeyId, byte_size: bytes.length });
    expect(Buffer.from(media[0].content).includes(bytes)).toBe(false);
    expect(t.app.get(DataCipher).decryptBytes(media[0].content, `stored_medium:${id}:front`, media[0].key_id)).toEqual(bytes);
    // One transaction wrote them all: the events' xid is the one that wrote the row, the calls and the medium.
    const step = events.slice(1).map((e: { xid: string }) => e.xid);
    expect(new Set([...step, row.xmin, ...calls.map((c: { xmin: string }) => c.xmin), media[0].xmin]).size).toBe(1);
  });

  it('under a claim that is no longer the caller\'s: only the calls are logged; row, media and events stay as they were', async () => {
    const { id } = await claimed('replica-a/2');
    // Another replica took the transaction over.
    await t.dataSource.query(`UPDATE tracked_transaction SET lease_owner = 'replica-b/7' WHERE id = $1`, [id]);
    const before = await facts(id);
    const ok = await repository.applyStep(
      id,
      'replica-a/2',
      {
        patch: { state: 'RETRIEVED', rawStatus: { status: 'DONE' } },
        events: ['RETRIEVED'],
        calls: [call('/late', 'STORED')],
        media: [{ name: 'front', medium: { bytes: Buffer.from('x'), contentType: 'image/jpeg' } }],
        keepLease: false,
      },
      t.clock.now(),
      60,
    );
    expect(ok).toBe(false);
    const after = await facts(id);
    expect(after.row).toEqual(before.row);
    expect(after.events).toEqual(before.events);
    expect(after.media).toEqual([]);
    expect(after.calls.map((c: { endpoint: string; claim: string }) => [c.endpoint, c.claim])).toEqual([['/late', 'test/1']]);
  });
});
