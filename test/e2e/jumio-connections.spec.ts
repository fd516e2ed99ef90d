import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { JumioSimulator } from '../../src/simulator/jumio-simulator';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  bearer,
  startTestApp,
  type TestApp,
} from '../support/test-app';

const DAY_SECONDS = 86_400;

/** A loopback port nothing listens on (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Connections to Jumio (issue 15): a reused keep-alive connection the server has already dropped is retried once on
 * a fresh one (no attempt lost, no daily interval lost); a call that never reaches Jumio is no attempt and is
 * retried on a short, doubling back-off; a refused media href shows in the attempt log and on the view.
 */
describe('connections to Jumio', () => {
  let t: TestApp;
  let refusedPort: number;

  beforeAll(async () => {
    refusedPort = await closedPort();
    // A host whose keep-alive timeout is shorter than any idle gap: every reused connection is reset unanswered.
    const sim = await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET, staleConnectionMs: 0 });
    t = await startTestApp({
      simulator: sim,
      datacenterUrls: { EU: `http://127.0.0.1:${refusedPort}` },
      env: { RETRIEVAL_SCHEDULE_SECONDS: '40,60', RETRIEVAL_MAX_AGE_DAYS: '30' },
    });
  });
  afterAll(async () => {
    await t.close();
    await t.simulator.close();
  });

  const track = (reference: string, datacenter = 'US') =>
    t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference, datacenter, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
  const view = async (ref: string) =>
    (await t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const attempts = async (ref: string) =>
    (await t.http().get(`/v1/admin/transactions/id-verifications/${ref}/attempts`).set(bearer(ADMIN_KEY)).expect(200))
      .body.items as { outcome: string; countsAsAttempt: boolean; httpStatus: number | null; error: string | null }[];

  it('a connection dropped while idle is retried at once on a fresh one: attempts equal the status calls Jumio received, and no day is lost', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 100 });
    await track(ref);
    const acquired = t.clock.now().getTime();
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    t.clock.advanceSeconds(20);
    await t.scheduler.drain();
    // Past the schedule: once a day, each time over a connection the server dropped in between.
    for (let day = 1; day <= 4; day++) {
      t.clock.advanceSeconds(DAY_SECONDS);
      await t.scheduler.drain();
      const v = await view(ref);
      expect(v.tracking.attempts).toBe(2 + day);
      expect(v.tracking.lastAttemptAt).toBe(new Date(acquired + (60 + day * DAY_SECONDS) * 1000).toISOString());
      expect(v.tracking.nextAttemptAt).toBe(new Date(acquired + (60 + (day + 1) * DAY_SECONDS) * 1000).toISOString());
    }
    const received = t.simulator.requests({ reference: ref, endpoint: 'status' });
    expect((await view(ref)).tracking.attempts).toBe(received.length);
    expect(received.every((c) => c.httpStatus === 200)).toBe(true);
    // The attempt log has both halves of each retry; only the answered call counts.
    const log = await attempts(ref);
    // Every other call reuses the pooled connection the previous one opened (a retry's fresh one is not kept).
    const stale = log.filter((c) => c.outcome === 'STALE_CONNECTION');
    expect(stale.length).toBe(3);
    expect(stale.every((c) => !c.countsAsAttempt && c.httpStatus === null)).toBe(true);
    expect(stale[0].error).toBe(
      'the reused connection closed before any answer; retried at once on a fresh connection',
    );
    expect(log.filter((c) => c.countsAsAttempt)).toHaveLength(received.length);
  });

  it('a refused connection is no attempt: logged, retried after 1, 2, 4, 8, 16 s, never later than the next slot', async () => {
    const ref = randomUUID();
    await track(ref, 'EU');
    t.clock.advanceSeconds(40);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = t.clock.now().getTime();
      await t.scheduler.drain();
      const v = await view(ref);
      expect(v.tracking).toMatchObject({
        state: 'RECONCILING',
        attempts: 0,
        lastError: 'could not connect (ECONNREFUSED)',
      });
      const next = new Date(v.tracking.nextAttemptAt).getTime();
      waits.push((next - before) / 1000);
      t.clock.set(next);
    }
    // The schedule's next slot is 20 s after an attempt made now (60 - 40): the back-off stops there.
    expect(waits).toEqual([1, 2, 4, 8, 16, 20]);
    const log = await attempts(ref);
    expect(log).toHaveLength(6);
    expect(log.every((c) => c.outcome === 'UNREACHED' && !c.countsAsAttempt && c.httpStatus === null)).toBe(true);
  });

  it('a media href outside the data center host shows in the attempt log and in tracking.lastError', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, faults: [{ endpoint: 'images', type: 'foreign-href' }] });
    await track(ref);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    const v = await view(ref);
    expect(v.tracking.state).toBe('RETRIEVED');
    expect(v.tracking.lastError).toBe(
      'media not stored: front: the href points outside the US host configured for it (the attempt log has the refusal)',
    );
    expect((await attempts(ref)).filter((c) => c.outcome === 'REFUSED')).toEqual([
      expect.objectContaining({
        error: 'front: refused: the href points to http://169.254.169.254, not the configured scans host of US',
      }),
    ]);
  });
});
