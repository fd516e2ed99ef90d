import { randomUUID } from 'node:crypto';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RetentionService } from '../../src/engine/retention/retention.service';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const DAY = 86_400;

/** PERSONAL_DATA_RETENTION_DAYS, driven by the injected clock through RetentionService.purgeExpired(). */
describe('personal data retention', () => {
  const view = async (t: TestApp, reference: string) =>
    (await t.http().get(`/v1/id-verifications/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const events = async (t: TestApp, reference: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])).map(
      (r: { type: string }) => r.type,
    );
  const mediaCount = async (t: TestApp, reference: string): Promise<number> =>
    (
      await t.dataSource.query(
        `SELECT count(*)::int AS n FROM stored_medium s JOIN tracked_transaction x ON x.id = s.transaction_id WHERE x.reference = $1`,
        [reference],
      )
    )[0].n;

  async function retrieve(t: TestApp, reference: string, script: Record<string, unknown> = {}): Promise<void> {
    t.simulator.script({ kind: 'scan', reference, ...script });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
  }

  describe('90 days (the default)', () => {
    let t: TestApp;
    let retention: RetentionService;
    beforeAll(async () => {
      t = await startTestApp();
      retention = t.app.get(RetentionService);
    });
    afterAll(() => t.close());

    it('runs on an interval (@nestjs/schedule)', () => {
      expect(t.config.retention.personalDataDays).toBe(90);
      expect(t.app.get(SchedulerRegistry).doesExist('interval', 'personal-data-retention')).toBe(true);
    });

    it('purges personal data older than the retention age, measured from when it was stored; nothing else', async () => {
      const old = randomUUID();
      const young = randomUUID();
      const received = randomUUID();
      // Details stored, but the media keep failing: personal data without a retrieval (still RECONCILING).
      const partial = randomUUID();
      await retrieve(t, old);
      const oldStored = t.clock.now().getTime();
      await retrieve(t, partial, {
        faults: [
          { endpoint: 'image', type: 'http500', times: 1000 },
          { endpoint: 'liveness', type: 'http500', times: 1000 },
          { endpoint: 'facemap', type: 'http500', times: 1000 },
        ],
      });
      expect((await view(t, partial)).tracking.state).toBe('RECONCILING');
      expect((await view(t, partial)).result).not.toBeNull();
      await t
        .http()
        .post('/v1/id-verifications')
        .set(bearer(BACKEND_KEY))
        .send({ reference: received, callbackGraceSeconds: 3600 })
        .expect(201);
      await t
        .http()
        .post(`/v1/id-verifications/${received}/callback`)
        .set(bearer(BACKEND_KEY))
        .send({ outcome: 'RECEIVED' })
        .expect(200);
      t.clock.advanceSeconds(10 * DAY);
      await retrieve(t, young);
      expect((await view(t, old)).tracking.state).toBe('RETRIEVED');

      // Just before the age: nothing.
      t.clock.set(oldStored + 90 * DAY * 1000 - 1000);
      expect(await retention.purgeExpired()).toBe(0);
      expect((await view(t, old)).tracking.state).toBe('RETRIEVED');

      // Past it: the old one and the partial one, not the young one nor the one that never held personal data.
      t.clock.advanceSeconds(3600);
      expect(await retention.purgeExpired()).toBe(2);
      for (const ref of [old, partial]) {
        const v = await view(t, ref);
        expect(v).toMatchObject({ result: null, media: [], tracking: { state: 'PURGED', nextAttemptAt: null } });
        expect(await mediaCount(t, ref)).toBe(0);
        expect((await events(t, ref)).filter((e) => e === 'PERSONAL_DATA_PURGED')).toHaveLength(1);
      }
      expect((await view(t, young)).tracking.state).toBe('RETRIEVED');
      expect(await mediaCount(t, young)).toBe(6);
      expect((await view(t, received)).tracking.state).toBe('CALLBACK_RECEIVED');
      expect(await events(t, received)).toEqual(['TRACKED', 'CALLBACK_RECEIVED']);

      // The partial one is not reconciled any more.
      const calls = t.simulator.requests({ reference: partial }).length;
      t.clock.advanceSeconds(DAY);
      await t.scheduler.drain();
      expect(t.simulator.requests({ reference: partial })).toHaveLength(calls);

      // Again: nothing new, no second event.
      expect(await retention.purgeExpired()).toBe(0);
      expect(await events(t, old)).toEqual([
        'TRACKED',
        'CALLBACK_MISSED',
        'RESULT_STORED',
        'RETRIEVED',
        'PERSONAL_DATA_PURGED',
      ]);

      // Ten days later the young one goes too.
      t.clock.advanceSeconds(10 * DAY);
      expect(await retention.purgeExpired()).toBe(1);
      expect((await view(t, young)).tracking.state).toBe('PURGED');
      // The attempt log of every purged transaction stays.
      for (const ref of [old, young, partial]) {
        expect(
          (
            await t
              .http()
              .get(`/v1/admin/transactions/id-verifications/${ref}/attempts`)
              .set(bearer(ADMIN_KEY))
              .expect(200)
          ).body.items.length,
        ).toBeGreaterThan(1);
      }
    });

    it('works in batches until nothing is left, and skips rows another transaction holds (SKIP LOCKED)', async () => {
      const refs = Array.from({ length: 7 }, () => randomUUID());
      for (const ref of refs) await retrieve(t, ref);
      t.clock.advanceSeconds(91 * DAY);

      // Another transaction holds one row: the batches go around it instead of waiting.
      const qr = t.dataSource.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      try {
        await qr.query(`SELECT id FROM tracked_transaction WHERE reference = $1 FOR UPDATE`, [refs[3]]);
        expect(await retention.purgeExpired({ batchSize: 2 })).toBe(6);
        expect((await view(t, refs[3])).tracking.state).toBe('RETRIEVED');
      } finally {
        await qr.commitTransaction();
        await qr.release();
      }
      expect(await retention.purgeExpired({ batchSize: 2 })).toBe(1);
      for (const ref of refs) expect((await view(t, ref)).tracking.state).toBe('PURGED');

      // maxBatches bounds one run; the rest waits for the next.
      const more = Array.from({ length: 5 }, () => randomUUID());
      for (const ref of more) await retrieve(t, ref);
      t.clock.advanceSeconds(91 * DAY);
      expect(await retention.purgeExpired({ batchSize: 2, maxBatches: 2 })).toBe(4);
      expect(await retention.purgeExpired({ batchSize: 2, maxBatches: 2 })).toBe(1);
    });
  });

  describe('PERSONAL_DATA_RETENTION_DAYS=0 disables it', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { PERSONAL_DATA_RETENTION_DAYS: '0' } });
    });
    afterAll(() => t.close());

    it('nothing is scheduled and nothing is purged, however old', async () => {
      expect(t.app.get(SchedulerRegistry).doesExist('interval', 'personal-data-retention')).toBe(false);
      const ref = randomUUID();
      await retrieve(t, ref);
      t.clock.advanceSeconds(3650 * DAY);
      expect(await t.app.get(RetentionService).purgeExpired()).toBe(0);
      expect(
        await t.dataSource.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE state = 'PURGED'`),
      ).toEqual([{ n: 0 }]);
      const v = await view(t, ref);
      expect(v.tracking.state).toBe('RETRIEVED');
      expect(v.media).toHaveLength(6);
    });
  });
});
