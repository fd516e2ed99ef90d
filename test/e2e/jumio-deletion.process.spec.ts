import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { SimulatorKind } from '../../src/simulator/jumio-simulator';
import { pollUntil } from '../support/poll-until';
import { useProcessRig } from '../support/process-rig';
import { ServiceProcess } from '../support/service-process';

const KIND_OF: Record<SimulatorKind, string> = {
  scan: 'id-verifications',
  document: 'document-verifications',
  authentication: 'authentications',
};
const KINDS: SimulatorKind[] = ['scan', 'document', 'authentication'];
const MEDIA_ENDPOINTS = ['image', 'liveness', 'facemap', 'page', 'original'];

/**
 * A replica SIGKILLed while the deletes at Jumio it sent are held by Jumio (the simulator): for one transaction
 * of each kind Jumio has not deleted anything yet (a held socket: as if the replica died between the last medium
 * stored and the delete), for another Jumio deleted it and the 200 never arrived (between the delete sent and
 * recorded). The replica that takes the claims over sends the delete again: 200 for the first, 404 (already
 * gone, counted as done) for the second. Exactly one delete succeeds at Jumio, every medium is stored once, and
 * nothing more is sent afterwards.
 */
describe('deleting at Jumio across a crash', () => {
  const rig = useProcessRig();

  it('SIGKILL with deletes held at Jumio: the next replica finishes each with exactly one successful delete', async () => {
    const env = {
      JUMIO_DELETE_AFTER_RETRIEVAL: 'true',
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10',
      RECONCILER_LEASE_SECONDS: '3',
    };
    const db = new Client({ connectionString: rig.databaseUrl });
    await db.connect();
    const first = await ServiceProcess.start(rig.databaseUrl, rig.simulatorUrl, env);
    let second: ServiceProcess | null = null;
    try {
      const notDeleted = new Map<string, SimulatorKind>();
      const deletedUnrecorded = new Map<string, SimulatorKind>();
      for (const kind of KINDS) {
        const held = randomUUID();
        const lost = randomUUID();
        notDeleted.set(held, kind);
        deletedUnrecorded.set(lost, kind);
        // timeout: the socket is held and nothing is deleted; slow: deleted at once, the 200 comes much later.
        await rig.simulator.script({
          kind,
          reference: held,
          faults: [{ endpoint: 'delete', type: 'timeout', delayMs: 60_000 }],
        });
        await rig.simulator.script({
          kind,
          reference: lost,
          faults: [{ endpoint: 'delete', type: 'slow', delayMs: 60_000 }],
        });
      }
      const all = new Map([...notDeleted, ...deletedUnrecorded]);
      for (const [reference, kind] of all)
        expect((await first.request('POST', `/v1/${KIND_OF[kind]}`, { reference })).status).toBe(201);

      await pollUntil(
        async () => (await rig.simulator.requests()).filter((c) => c.endpoint === 'delete').length === all.size,
        60_000,
        'every delete sent and held',
      );
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const pending = await db.query(
        `SELECT count(*)::int AS n FROM tracked_transaction
          WHERE state = 'RETRIEVED' AND jumio_deletion_requested_at IS NOT NULL AND jumio_deleted_at IS NULL`,
      );
      expect(pending.rows[0].n).toBe(all.size);

      second = await ServiceProcess.start(rig.databaseUrl, rig.simulatorUrl, env);
      await pollUntil(
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE jumio_deleted_at IS NOT NULL`))
            .rows[0].n === all.size,
        60_000,
        'every transaction deleted at Jumio',
      );
      // Nothing more afterwards.
      const settled = (await rig.simulator.requests()).length;
      await new Promise((r) => setTimeout(r, 3000));
      const calls = await rig.simulator.requests();
      expect(calls).toHaveLength(settled);

      for (const [reference, kind] of all) {
        const mine = calls.filter((c) => c.reference === reference);
        const deletes = mine.filter((c) => c.endpoint === 'delete');
        const expected = notDeleted.has(reference) ? 200 : 404;
        // The first (held) delete never got an answer to the dead replica; the second is the takeover's.
        expect({ reference, deletes: deletes.map((c) => [c.fault, c.httpStatus]) }).toEqual({
          reference,
          deletes: [
            [notDeleted.has(reference) ? 'timeout' : 'slow', null],
            [null, expected],
          ],
        });
        expect(mine.findIndex((c) => c.endpoint === 'delete')).toBeGreaterThan(
          mine.map((c) => MEDIA_ENDPOINTS.includes(c.endpoint)).lastIndexOf(true),
        );
        const media = mine.filter((c) => MEDIA_ENDPOINTS.includes(c.endpoint));
        expect(media.every((c) => c.httpStatus === 200)).toBe(true);
        expect(new Set(media.map((c) => c.path)).size).toBe(media.length);
        const stored = await db.query(
          `SELECT count(*)::int AS n, count(DISTINCT m.name)::int AS names FROM stored_medium m
             JOIN tracked_transaction t ON t.id = m.transaction_id WHERE t.reference = $1`,
          [reference],
        );
        expect(stored.rows[0]).toEqual({ n: media.length, names: media.length });

        const view = await second.request('GET', `/v1/${KIND_OF[kind]}/${reference}`);
        expect(view.body.tracking).toMatchObject({
          state: 'RETRIEVED',
          jumioDeletion: { deletedAt: expect.any(String), lastError: null },
        });
        const events = await db.query(
          `SELECT count(*)::int AS n FROM change_event WHERE reference = $1 AND type = 'JUMIO_DELETED'`,
          [reference],
        );
        expect(events.rows[0].n).toBe(1);
        const logged = await db.query(
          `SELECT c.outcome FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id
            WHERE t.reference = $1 AND c.call_type IN ('delete', 'takeover') ORDER BY c.id`,
          [reference],
        );
        expect(logged.rows.map((r: { outcome: string }) => r.outcome)).toEqual([
          'LEASE_EXPIRED',
          notDeleted.has(reference) ? 'DELETED' : 'NOT_FOUND',
        ]);
      }
    } finally {
      await db.end();
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      await Promise.all([first.exited, second?.exited]);
    }
  }, 180_000);
});
