import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';
import { SimulatorProcess } from '../support/simulator-process';
import { JUMIO_SECRET, JUMIO_TOKEN } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

const TRANSACTIONS = 120;

/**
 * Three replicas (separate processes) drain a backlog; one is killed with SIGKILL mid-drain. Its claims expire
 * and the others take its transactions over: nothing is lost or stuck, everything ends final, and the only
 * repeated calls are the ones the dead replica had in flight, which the attempt log records as taken over.
 */
describe('crash safety', () => {
  it(`three replicas, one SIGKILLed mid-drain: ${TRANSACTIONS} transactions all final, nothing repeated but what was in flight`, async () => {
    const database = await createTestDatabase();
    const simulator = await SimulatorProcess.start(JUMIO_TOKEN, JUMIO_SECRET);
    const env = {
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10',
      RECONCILER_LEASE_SECONDS: '3',
      JUMIO_RATE_LIMIT_PER_SECOND: '60',
      JUMIO_MAX_IN_FLIGHT: '6',
    };
    const replicas = [await ServiceProcess.start(database.url, simulator.url, env)];
    replicas.push(
      await ServiceProcess.start(database.url, simulator.url, env),
      await ServiceProcess.start(database.url, simulator.url, env),
    );
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const refs: string[] = Array.from({ length: TRANSACTIONS }, () => randomUUID());
      for (const [i, reference] of refs.entries()) {
        // Slow answers keep calls in flight, so the kill catches some.
        await simulator.script({
          kind: 'scan',
          reference,
          pendingPolls: 1,
          livenessCount: 1,
          faults: [{ endpoint: 'any', type: 'slow', delayMs: 150, times: 20 }],
        });
        expect((await replicas[i % 3].request('POST', '/v1/id-verifications', { reference })).status).toBe(201);
      }
      await pollUntil(
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE state = 'RETRIEVED'`)).rows[0].n >=
          TRANSACTIONS / 4,
        60_000,
        'a quarter retrieved',
      );
      const victim = replicas[1];
      victim.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');

      await pollUntil(
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE state = 'RETRIEVED'`)).rows[0].n ===
          TRANSACTIONS,
        120_000,
        'every transaction retrieved',
      );
      const stuck = await db.query(
        `SELECT count(*)::int AS n FROM tracked_transaction WHERE lease_owner IS NOT NULL OR next_attempt_at IS NOT NULL`,
      );
      expect(stuck.rows[0].n).toBe(0);

      const takenOver = new Set<string>(
        (
          await db.query(
            `SELECT t.reference FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id WHERE c.outcome = 'LEASE_EXPIRED'`,
          )
        ).rows.map((r: { reference: string }) => r.reference),
      );
      const calls = await simulator.requests();
      let repeated = 0;
      for (const reference of refs) {
        const mine = calls.filter((c) => c.reference === reference && c.httpStatus === 200);
        const byPath = new Map<string, number>();
        for (const c of mine) if (c.endpoint !== 'status') byPath.set(c.path, (byPath.get(c.path) ?? 0) + 1);
        const twice = [...byPath.values()].filter((n) => n > 1).length;
        const statusCalls = mine.filter((c) => c.endpoint === 'status').length;
        if (twice > 0 || statusCalls > 2) {
          repeated++;
          // Only a transaction the dead replica had in flight may see a call twice, and at most that one call.
          expect({ reference, takenOver: takenOver.has(reference) }).toEqual({ reference, takenOver: true });
          expect(twice + Math.max(0, statusCalls - 2)).toBeLessThanOrEqual(1);
        }
      }
      expect(takenOver.size).toBeGreaterThan(0);
      expect(repeated).toBeLessThanOrEqual(takenOver.size);
      console.log(
        `crash safety: ${TRANSACTIONS} transactions, 3 replicas, 1 SIGKILLed; taken over: ${takenOver.size}; calls repeated: ${repeated}; Jumio calls: ${calls.length}`,
      );
    } finally {
      await db.end();
      for (const r of replicas) if (r !== replicas[1]) r.kill('SIGTERM');
      await Promise.all(replicas.map((r) => r.exited));
      await simulator.stop();
      await database.drop();
    }
  }, 240_000);
});
