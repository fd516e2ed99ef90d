import { randomUUID } from 'node:crypto';
import { DataCipher } from '../../src/engine/crypto/data-cipher';
import type { JumioCallRecord } from '../../src/engine/persistence/attempt-log';
import { GroupedStepWriter } from '../../src/engine/persistence/grouped-step-writer';
import { StepSaves, type StepWrites } from '../../src/engine/persistence/step-saves';
import { TrackedTransactionRepository } from '../../src/engine/persistence/tracked-transaction.repository';
import { TransactionClaims } from '../../src/engine/persistence/transaction-claims';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * StepSaves.applyStep, the reconciler's fenced save: one statement that writes the row, the
 * calls, the media and the events together, only the calls when the claim is no longer the caller's.
 */
describe('a step save (applyStep)', () => {
  let t: TestApp;
  let repository: TrackedTransactionRepository;
  let claims: TransactionClaims;
  let saves: StepSaves;

  beforeAll(async () => {
    t = await startTestApp({ env: { CALLBACK_GRACE_SECONDS: '0' } });
    repository = t.app.get(TrackedTransactionRepository);
    claims = t.app.get(TransactionClaims);
    saves = t.app.get(StepSaves);
  });
  afterAll(async () => t.close());

  const call = (endpoint: string, outcome: string): JumioCallRecord => ({
    at: t.clock.now(),
    endpoint,
    callType: 'medium',
    httpStatus: 200,
    durationMs: 3,
    outcome,
    error: null,
    countsAsAttempt: false,
    actor: null,
    claim: 'test/1',
  });

  /** A tracked transaction claimed by `owner`. */
  async function claimed(owner: string): Promise<{ id: string; reference: string }> {
    const reference = randomUUID();
    await t.http().post('/v1/id-verifications').set(bearer(BACKEND_KEY)).send({ reference }).expect(201);
    const rows = await claims.claimDue(owner, t.clock.now(), 100, 60);
    const mine = rows.find((r) => r.reference === reference);
    expect(mine).toBeDefined();
    return { id: mine!.id, reference };
  }

  const facts = async (id: string) => {
    const [row] = await t.dataSource.query(
      `SELECT state, raw_status, lease_owner, personal_data_at IS NOT NULL AS personal, xmin::text AS xmin FROM tracked_transaction WHERE id = $1`,
      [id],
    );
    const calls = await t.dataSource.query(
      `SELECT endpoint, outcome, claim, xmin::text AS xmin FROM jumio_call WHERE transaction_id = $1 ORDER BY id`,
      [id],
    );
    const events = await t.dataSource.query(
      `SELECT e.type, e.xid::text AS xid FROM change_event e JOIN tracked_transaction r ON r.kind = e.kind AND r.reference = e.reference WHERE r.id = $1 ORDER BY e.id`,
      [id],
    );
    const media = await t.dataSource.query(
      `SELECT name, content, key_id, byte_size, xmin::text AS xmin FROM stored_medium WHERE transaction_id = $1 ORDER BY name`,
      [id],
    );
    return { row, calls, events, media };
  };

  it('under the claim: the row, the calls in order, the media (encrypted, bound to the row) and the events in order, in one transaction', async () => {
    const { id, reference } = await claimed('replica-a/1');
    const bytes = Buffer.from('\xff\xd8\xff\xe0 not really a jpeg, but bytes', 'latin1');
    const ok = await saves.applyStep(
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
    expect((await repository.find('id-verifications', reference))!.rawStatus).toEqual({
      status: 'DONE',
      secret: 'Jane Doe',
    });
    expect(calls.map((c: { endpoint: string }) => c.endpoint)).toEqual(['/first', '/second']);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RETRIEVED']);
    expect(media).toHaveLength(1);
    expect(media[0]).toMatchObject({
      name: 'front',
      key_id: t.app.get(DataCipher).activeKeyId,
      byte_size: bytes.length,
    });
    expect(Buffer.from(media[0].content).includes(bytes)).toBe(false);
    expect(t.app.get(DataCipher).decryptBytes(media[0].content, `stored_medium:${id}:front`, media[0].key_id)).toEqual(
      bytes,
    );
    // One transaction wrote them all: the events' xid is the one that wrote the row, the calls and the medium.
    const step = events.slice(1).map((e: { xid: string }) => e.xid);
    expect(new Set([...step, row.xmin, ...calls.map((c: { xmin: string }) => c.xmin), media[0].xmin]).size).toBe(1);
  });

  it("under a claim that is no longer the caller's: only the calls are logged; row, media and events stay as they were", async () => {
    const { id } = await claimed('replica-a/2');
    // Another replica took the transaction over.
    await t.dataSource.query(`UPDATE tracked_transaction SET lease_owner = 'replica-b/7' WHERE id = $1`, [id]);
    const before = await facts(id);
    const ok = await saves.applyStep(
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
    expect(after.calls.map((c: { endpoint: string; claim: string }) => [c.endpoint, c.claim])).toEqual([
      ['/late', 'test/1'],
    ]);
  });

  describe('saves grouped into one statement (GroupedStepWriter)', () => {
    const statusSave = (endpoint: string): StepWrites => ({
      patch: { state: 'RECONCILING', status: 'PENDING', attempts: 1 },
      events: ['CALLBACK_MISSED'],
      calls: [call(endpoint, 'PENDING')],
      keepLease: true,
    });
    const save = (id: string, owner: string, writes: StepWrites) => ({
      id,
      owner,
      writes,
      now: t.clock.now(),
      leaseSeconds: 60,
    });

    it('saves made in the same turn share one transaction, each fenced by its own claim', async () => {
      const a = await claimed('replica-g/1');
      const b = await claimed('replica-g/2');
      const c = await claimed('replica-g/3');
      const d = await claimed('replica-g/7');
      await t.dataSource.query(`UPDATE tracked_transaction SET lease_owner = 'replica-h/1' WHERE id = $1`, [b.id]);
      const writer = t.app.get(GroupedStepWriter);
      // Four: groups are cut to sizes 32, 16, 8, 4, 2, 1 (so three would go as two and one).
      const answers = await Promise.all([
        writer.save(save(a.id, 'replica-g/1', statusSave('/a'))),
        writer.save(save(b.id, 'replica-g/2', statusSave('/b'))),
        writer.save(save(c.id, 'replica-g/3', statusSave('/c'))),
        writer.save(save(d.id, 'replica-g/7', statusSave('/d'))),
      ]);
      expect(answers).toEqual([true, false, true, true]);
      const [fa, fb, fc, fd] = [await facts(a.id), await facts(b.id), await facts(c.id), await facts(d.id)];
      expect(fa.row).toMatchObject({ state: 'RECONCILING', lease_owner: 'replica-g/1' });
      expect(fc.row).toMatchObject({ state: 'RECONCILING', lease_owner: 'replica-g/3' });
      // The one whose claim was lost: its call is logged (as alone), nothing else.
      expect(fb.row).toMatchObject({ state: 'AWAITING_CALLBACK', lease_owner: 'replica-h/1' });
      expect(fb.events.map((e: { type: string }) => e.type)).toEqual(['TRACKED']);
      expect(fb.calls.map((x: { endpoint: string }) => x.endpoint)).toEqual(['/b']);
      expect(fa.events.map((e: { type: string }) => e.type)).toEqual(['TRACKED', 'CALLBACK_MISSED']);
      expect(fc.calls.map((x: { endpoint: string }) => x.endpoint)).toEqual(['/c']);
      // One statement, so one transaction wrote all four saves (the lost claim's only through its call).
      expect(
        new Set([fa.row.xmin, fc.row.xmin, fd.row.xmin, fa.calls[0].xmin, fb.calls[0].xmin, fc.calls[0].xmin]).size,
      ).toBe(1);
    });

    it('a save that cannot be written fails alone: the rest of its group is written as if never grouped', async () => {
      const a = await claimed('replica-g/4');
      const c = await claimed('replica-g/5');
      const d = await claimed('replica-g/8');
      const writer = t.app.get(GroupedStepWriter);
      // Four saves, so one group of four. No such transaction for the second: its call cannot be logged (foreign
      // key), which fails the grouped statement.
      const answers = await Promise.allSettled([
        writer.save(save(a.id, 'replica-g/4', statusSave('/a'))),
        writer.save(save('999999999', 'replica-g/x', statusSave('/nowhere'))),
        writer.save(save(c.id, 'replica-g/5', statusSave('/c'))),
        writer.save(save(d.id, 'replica-g/8', statusSave('/d'))),
      ]);
      expect(answers[0]).toEqual({ status: 'fulfilled', value: true });
      expect(answers[1].status).toBe('rejected');
      expect(String((answers[1] as PromiseRejectedResult).reason)).toMatch(/foreign key/);
      expect(answers[2]).toEqual({ status: 'fulfilled', value: true });
      expect(answers[3]).toEqual({ status: 'fulfilled', value: true });
      const [fa, fc, fd] = [await facts(a.id), await facts(c.id), await facts(d.id)];
      for (const f of [fa, fc, fd]) expect(f.row).toMatchObject({ state: 'RECONCILING' });
      expect(fa.calls.map((x: { endpoint: string }) => x.endpoint)).toEqual(['/a']);
      expect(fc.calls.map((x: { endpoint: string }) => x.endpoint)).toEqual(['/c']);
      // Written one by one after the group failed: separate transactions.
      expect(new Set([fa.row.xmin, fc.row.xmin, fd.row.xmin]).size).toBe(3);
    });

    it('applySteps refuses saves of different shapes', async () => {
      const a = await claimed('replica-g/6');
      const one = saves.composeStep(save(a.id, 'replica-g/6', statusSave('/a')));
      const other = saves.composeStep(save(a.id, 'replica-g/6', { patch: { attempts: 2 }, keepLease: true }));
      await expect(saves.applySteps([one, other])).rejects.toThrow(/different shapes/);
    });
  });
});
