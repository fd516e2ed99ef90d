import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DisposablePostgres } from '../support/disposable-postgres';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';
import { SimulatorProcess } from '../support/simulator-process';
import { JUMIO_SECRET, JUMIO_TOKEN } from '../support/test-app';

describe('database outage', () => {
  it('stays up, reports not ready while PostgreSQL is away, resumes by itself, and loses or duplicates nothing', async () => {
    const pg = await DisposablePostgres.create();
    const simulator = await SimulatorProcess.start(JUMIO_TOKEN, JUMIO_SECRET);
    const service = await ServiceProcess.start(pg.url, simulator.url, {
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10',
      RECONCILER_LEASE_SECONDS: '3',
    });
    const status = async (path: string) => (await fetch(`${service.base}${path}`)).status;
    try {
      const refs: string[] = Array.from({ length: 20 }, () => randomUUID());
      for (const reference of refs) {
        await simulator.script({ kind: 'scan', reference, pendingPolls: 4 });
        expect((await service.request('POST', '/v1/id-verifications', { reference })).status).toBe(201);
      }
      await pollUntil(
        async () => (await simulator.requests()).filter((r) => r.endpoint === 'status').length >= 20,
        15_000,
        'first attempts',
      );

      await pg.stop();
      await pollUntil(async () => (await status('/health/ready')) === 503, 15_000, '/health/ready 503');
      expect(await status('/health/live')).toBe(200);
      const down = await service.request('GET', `/v1/id-verifications/${refs[0]}`);
      expect(down.status).toBe(503); // the view cannot be read without its database
      expect(down.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: ['the database is unavailable; retry shortly'],
      });
      await new Promise((r) => setTimeout(r, 4000)); // an outage longer than a lease, with work due
      expect(await status('/health/live')).toBe(200);

      await pg.start();
      await pollUntil(async () => (await status('/health/ready')) === 200, 30_000, '/health/ready 200 again');
      const db = new Client({ connectionString: pg.url });
      await db.connect();
      try {
        await pollUntil(
          async () =>
            (await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE state = 'RETRIEVED'`)).rows[0]
              .n === 20,
          60_000,
          'every transaction retrieved',
        );
        const events = await db.query(
          `SELECT type, count(*)::int AS n, count(DISTINCT reference)::int AS refs FROM change_event GROUP BY type ORDER BY type`,
        );
        expect(events.rows).toEqual([
          { type: 'CALLBACK_MISSED', n: 20, refs: 20 },
          { type: 'RESULT_STORED', n: 20, refs: 20 },
          { type: 'RETRIEVED', n: 20, refs: 20 },
          { type: 'TRACKED', n: 20, refs: 20 },
        ]);
        const rows = await db.query(`SELECT count(*)::int AS n FROM tracked_transaction`);
        expect(rows.rows[0].n).toBe(20);
      } finally {
        await db.end();
      }
      expect(service.output).not.toMatch(/start-up failed/);
    } finally {
      service.kill('SIGTERM');
      await service.exited;
      await simulator.stop();
      await pg.destroy();
    }
  }, 150_000);
});
