import { randomUUID } from 'node:crypto';
import type { SimulatorRequest } from '../../src/simulator/jumio-simulator';
import { pollUntil } from '../support/poll-until';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';
import { SimulatorProcess } from '../support/simulator-process';
import { createTestDatabase } from '../support/test-database';

const US = { name: 'us-main', token: 'us-token', secret: 'us-secret-value', ceiling: 40, transactions: 100 };
const EU = { name: 'eu-main', token: 'eu-token', secret: 'eu-secret-value', ceiling: 20, transactions: 60 };
const PROBE_SECONDS = 2;
/** Status, details, image list, front, back, face. */
const CALLS_PER_TRANSACTION = 6;

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

/**
 * Issue 15's acceptance: a US and an EU account with different credentials, each against its own simulated host
 * (a process of its own, so arrival times are Jumio's), three replicas on one database, real time. Every call
 * carries its own account's credentials, each account's ceiling holds in every 1 s and 5 s window while both drain;
 * the EU secret rotated mid-drain pauses EU with no attempt counted while US goes on at its ceiling, and the secret
 * restored resumes EU within one probe interval.
 */
describe('two accounts, three replicas, a rotated secret', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let usHost: SimulatorProcess;
  let euHost: SimulatorProcess;
  const replicas: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const nobody = [randomUUID(), randomUUID()] as const;
    usHost = await SimulatorProcess.start(...nobody, {
      datacenter: 'US',
      accounts: `${US.name}:US:${US.token}:${US.secret}`,
    });
    euHost = await SimulatorProcess.start(...nobody, {
      datacenter: 'EU',
      accounts: `${EU.name}:EU:${EU.token}:${EU.secret}`,
    });
    const env = {
      JUMIO_API_TOKEN: '',
      JUMIO_API_SECRET: '',
      JUMIO_ACCOUNTS: [US, EU].map((a, i) => `${a.name}:${['US', 'EU'][i]}:${a.token}:${a.secret}:${a.ceiling}`).join(),
      JUMIO_CREDENTIALS_PROBE_SECONDS: String(PROBE_SECONDS),
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3,4,5,6,7,8,9,10',
      JUMIO_MAX_IN_FLIGHT: '16',
    };
    for (const replicaId of ['replica-a', 'replica-b', 'replica-c']) {
      replicas.push(
        await startTestApp({
          env,
          databaseUrl: database.url,
          simulatorUrl: usHost.url,
          datacenterUrls: { EU: euHost.url },
          systemClock: true,
          reconcilerRunning: true,
          replicaId,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await usHost.stop();
    await euHost.stop();
    await database.drop();
  });

  const accountState = async (account: string): Promise<string> => {
    const rows: { state: string }[] = await replicas[0].dataSource.query(
      `SELECT state FROM jumio_account_state WHERE account = $1`,
      [account],
    );
    return rows[0]?.state ?? 'OK';
  };

  it('each account its credentials and ceiling; EU paused and resumed while US drains at its ceiling', async () => {
    const usRefs = Array.from({ length: US.transactions }, () => randomUUID());
    const euRefs = Array.from({ length: EU.transactions }, () => randomUUID());
    const script = { pendingPolls: 0, livenessCount: 0, facemap: false } as const;
    for (const reference of usRefs) await usHost.script({ kind: 'scan', reference, ...script });
    for (const reference of euRefs) await euHost.script({ kind: 'scan', reference, ...script });
    const started = Date.now();
    // Interleaved, so that both accounts have work due from the start (claims take the oldest due first).
    const all = usRefs.flatMap((r, i) => [[r, US.name], ...(i < euRefs.length ? [[euRefs[i], EU.name]] : [])]);
    await Promise.all(
      all.map(([reference, account], i) =>
        replicas[i % 3]
          .http()
          .post('/v1/id-verifications')
          .set(bearer(BACKEND_KEY))
          .send({ reference, account })
          .expect(201),
      ),
    );

    // Mid-drain, the EU secret is rotated in Jumio's portal.
    await pollUntil(async () => (await euHost.requests({ since: started })).length >= 40, 60_000, 'EU draining');
    await euHost.rotateSecret(EU.name, 'rotated-in-the-portal');
    await pollUntil(async () => (await accountState(EU.name)) === 'CREDENTIALS_REJECTED', 10_000, 'EU paused');
    const pausedAt = Date.now();
    const attemptsAtPause: { n: string }[] = await replicas[0].dataSource.query(
      `SELECT coalesce(sum(attempts), 0) AS n FROM tracked_transaction WHERE account = $1`,
      [EU.name],
    );
    // Paused for three probe intervals; US goes on meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 3 * PROBE_SECONDS * 1000));
    const restoredAt = Date.now();
    await euHost.rotateSecret(EU.name, EU.secret);
    await pollUntil(async () => (await accountState(EU.name)) === 'OK', 10_000, 'EU resumed');
    const resumedAt = Date.now();

    await pollUntil(
      async () => {
        const rows: { n: string }[] = await replicas[0].dataSource.query(
          `SELECT count(*) AS n FROM tracked_transaction WHERE state <> 'RETRIEVED'`,
        );
        return Number(rows[0].n) === 0;
      },
      120_000,
      'every transaction retrieved',
    );

    const usCalls = await usHost.requests({ since: started });
    const euCalls = await euHost.requests({ since: started });
    // Each host saw only its own account's credentials.
    expect(new Set(usCalls.map((c) => `${c.basicUser} ${c.account}`))).toEqual(new Set([`${US.token} ${US.name}`]));
    expect(new Set(euCalls.map((c) => c.basicUser))).toEqual(new Set([EU.token]));
    const rejected = euCalls.filter((c) => c.httpStatus === 401);
    expect(euCalls.filter((c) => c.httpStatus !== 401).every((c) => c.account === EU.name)).toBe(true);
    expect(usCalls).toHaveLength(US.transactions * CALLS_PER_TRANSACTION);
    expect(euCalls.length - rejected.length).toBe(EU.transactions * CALLS_PER_TRANSACTION);

    // Each account's ceiling, in every 1 s and 5 s window.
    expect(maxInWindow(usCalls, 1000)).toBeLessThanOrEqual(US.ceiling);
    expect(maxInWindow(usCalls, 5000)).toBeLessThanOrEqual(5 * US.ceiling);
    expect(maxInWindow(euCalls, 1000)).toBeLessThanOrEqual(EU.ceiling);
    expect(maxInWindow(euCalls, 5000)).toBeLessThanOrEqual(5 * EU.ceiling);

    // No attempt counted for a rejection: every transaction made exactly the one status call Jumio accepted.
    const attempts: { attempts: number; n: string }[] = await replicas[0].dataSource.query(
      `SELECT attempts, count(*) AS n FROM tracked_transaction GROUP BY attempts`,
    );
    expect(attempts).toEqual([{ attempts: 1, n: String(US.transactions + EU.transactions) }]);
    const euAttemptsAfterPause: { n: string }[] = await replicas[0].dataSource.query(
      `SELECT count(*) AS n FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id
        WHERE t.account = $1 AND c.outcome = 'CREDENTIALS_REJECTED' AND c.counts_as_attempt`,
      [EU.name],
    );
    expect(Number(euAttemptsAfterPause[0].n)).toBe(0);
    expect(Number(attemptsAtPause[0].n)).toBeLessThanOrEqual(EU.transactions);

    // While paused, EU saw only the probes: one per interval (calls already in flight at the rotation aside).
    const firstRejection = Math.min(...rejected.map((c) => c.at));
    const probes = euCalls.filter((c) => c.at >= firstRejection + 1000 && c.at < restoredAt);
    expect(probes.length).toBeLessThanOrEqual(Math.ceil((restoredAt - firstRejection) / (PROBE_SECONDS * 1000)) + 1);
    expect(probes.every((c) => c.httpStatus === 401)).toBe(true);
    // US went on meanwhile, not slowed by EU's rejections: at least its own average over the whole drain (which
    // includes the time both shared the replicas), and at least half its ceiling. The ceiling is the limiter's upper
    // bound (95 % of it at most); three replicas in this process on a shared 2-core machine reach 23 to 33 calls/s
    // of 40: the figures are printed.
    const rate = (from: number, to: number) =>
      usCalls.filter((c) => c.at >= from && c.at < to).length / ((to - from) / 1000);
    const usRate = rate(pausedAt, restoredAt);
    const usFirst = Math.min(...usCalls.map((c) => c.at));
    const usLast = Math.max(...usCalls.map((c) => c.at));
    const usAverage = rate(usFirst, usLast + 1);
    process.stdout.write(
      `US calls/s while EU was paused: ${usRate.toFixed(1)}, over its whole drain ${usAverage.toFixed(1)} (ceiling ${US.ceiling}); EU resumed ${resumedAt - restoredAt} ms after the secret was restored; EU 401s: ${rejected.length}\n`,
    );
    expect(usRate).toBeGreaterThanOrEqual(0.9 * usAverage);
    expect(usRate).toBeGreaterThanOrEqual(0.5 * US.ceiling);
    // The secret restored: EU resumed within one probe interval.
    expect(resumedAt - restoredAt).toBeLessThanOrEqual(PROBE_SECONDS * 1000 + 500);
  }, 180_000);
});
