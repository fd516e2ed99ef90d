import { randomUUID } from 'node:crypto';
import type { SimulatorRequest } from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN, bearer, startTestApp, type TestApp } from '../support/test-app';
import { SimulatorProcess } from '../support/simulator-process';
import { createTestDatabase } from '../support/test-database';

const TRANSACTIONS = 200;
const CEILING = 100;

/** Most calls seen in any window of `ms` milliseconds (a sliding window over arrival times). */
function maxInWindow(calls: SimulatorRequest[], ms: number): number {
  const at = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i] - at[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('two replicas on one database and one Jumio', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let simulator: SimulatorProcess;
  const replicas: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await SimulatorProcess.start(JUMIO_TOKEN, JUMIO_SECRET);
    const env = {
      JUMIO_RATE_LIMIT_PER_SECOND: String(CEILING),
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10',
      JUMIO_MAX_IN_FLIGHT: '8',
    };
    for (const replicaId of ['replica-a', 'replica-b']) {
      replicas.push(
        await startTestApp({
          env,
          databaseUrl: database.url,
          simulatorUrl: simulator.url,
          systemClock: true,
          reconcilerRunning: true,
          replicaId,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await simulator.stop();
    await database.drop();
  });

  it(`reconcile ${TRANSACTIONS} transactions: each attempt once, all retrieved, the ceiling held over both together`, async () => {
    const refs = Array.from({ length: TRANSACTIONS }, () => randomUUID());
    for (const reference of refs) {
      await simulator.script({ kind: 'scan', reference, pendingPolls: 1, livenessCount: 0, facemap: false });
    }
    const started = Date.now();
    await Promise.all(
      refs.map((reference, i) =>
        replicas[i % 2].http().post('/v1/id-verifications').set(bearer(BACKEND_KEY)).send({ reference }).expect(201),
      ),
    );
    const deadline = Date.now() + 90_000;
    let remaining = TRANSACTIONS;
    while (Date.now() < deadline) {
      const rows: { count: string }[] = await replicas[0].dataSource.query(
        `SELECT count(*) FROM tracked_transaction WHERE state <> 'RETRIEVED'`,
      );
      remaining = Number(rows[0].count);
      if (remaining === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(remaining).toBe(0);

    const calls = await simulator.requests({ since: started });
    for (const reference of refs) {
      const mine = calls.filter((c) => c.reference === reference);
      expect(ruleViolations(mine)).toEqual([]);
      expect(mine.filter((c) => c.endpoint === 'status')).toHaveLength(2);
      expect(mine).toHaveLength(7); // 2 status, data, images, front, back, face
    }
    const attempts: { attempts: number; n: string }[] = await replicas[0].dataSource.query(
      `SELECT attempts, count(*) AS n FROM tracked_transaction GROUP BY attempts`,
    );
    expect(attempts).toEqual([{ attempts: 2, n: String(TRANSACTIONS) }]);
    // both replicas did part of the work
    const owners: { n: string }[] = await replicas[0].dataSource.query(
      `SELECT count(DISTINCT split_part(claim, '/', 1)) AS n FROM jumio_call`,
    );
    expect(Number(owners[0].n)).toBe(2);
    expect(maxInWindow(calls, 1000)).toBeLessThanOrEqual(CEILING);
    expect(maxInWindow(calls, 5000)).toBeLessThanOrEqual(5 * CEILING);
  }, 120_000);
});
