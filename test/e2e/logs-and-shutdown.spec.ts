import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { expectedMedium } from '../../src/simulator/jumio-simulator';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';
import { useProcessRig } from '../support/process-rig';
import { ADMIN_KEY, BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

describe('the service as a process', () => {
  const rig = useProcessRig();

  it('logs at debug level through a full retrieval without personal data, API keys or the Jumio secret', async () => {
    const service = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
      LOG_LEVEL: 'debug',
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3',
    });
    try {
      const reference = randomUUID();
      await rig.simulator.script({ kind: 'scan', reference, pendingPolls: 1 });
      expect(
        (await service.request('POST', '/v1/id-verifications', { reference, merchantReference: 'order-77' })).status,
      ).toBe(201);
      const view = await pollUntil(
        async () => {
          const v = (await service.request('GET', `/v1/id-verifications/${reference}`)).body;
          return v.tracking.state === 'RETRIEVED' ? v : null;
        },
        20_000,
        'the transaction to be retrieved',
      );
      await service.request('GET', `/v1/admin/stats`, undefined, ADMIN_KEY);
      await service.request('GET', `/v1/id-verifications/${reference}`, undefined, 'a-wrong-key-value');
      const personal = [
        view.result.document.firstName,
        view.result.document.lastName,
        view.result.document.number,
        view.result.document.dob,
        view.result.document.personalNumber,
      ];
      expect(personal.every((p: unknown) => typeof p === 'string' && p.length > 3)).toBe(true);
      const secrets = [
        ADMIN_KEY,
        BACKEND_KEY,
        'a-wrong-key-value',
        JUMIO_SECRET,
        Buffer.from(`${JUMIO_TOKEN}:${JUMIO_SECRET}`).toString('base64'),
      ];
      const log = service.output;
      expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(10); // debug really logged
      for (const value of [...personal, ...secrets])
        expect({ value, inLog: log.includes(value) }).toEqual({ value, inLog: false });
      const image = expectedMedium('scan', reference, 'front').bytes;
      expect(log.includes(image.toString('base64').slice(0, 40))).toBe(false);
    } finally {
      service.kill('SIGTERM');
      await service.exited;
    }
  }, 60_000);

  it('at warn, logs refused requests only (with their request id, never the key), and still answers X-Request-Id', async () => {
    // A database of its own: the transaction tracked here is never reconciled, and the drain below counts every row.
    const own = await createTestDatabase();
    const service = await ServiceProcess.start(own.url, rig.simulator.url, {
      LOG_LEVEL: 'warn',
      RECONCILER_ENABLED: 'false',
    });
    try {
      const reference = randomUUID();
      expect((await service.request('POST', '/v1/id-verifications', { reference })).status).toBe(201);
      const get = (path: string, id: string, key = BACKEND_KEY) =>
        fetch(`${service.base}${path}`, { headers: { Authorization: `Bearer ${key}`, 'X-Request-Id': id } });
      const ok = await get(`/v1/id-verifications/${reference}`, 'read-ok');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-request-id')).toBe('read-ok');
      const missing = await get(`/v1/id-verifications/${randomUUID()}?q=1`, 'read-missing');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-request-id')).toBe('read-missing');
      expect((await get(`/v1/id-verifications/${reference}`, 'read-unauthorized', 'a-wrong-key-value')).status).toBe(
        401,
      );
      const generated = await fetch(`${service.base}/health/live`);
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      const lines = await pollUntil(
        async () => {
          const parsed = service.output
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l));
          return parsed.some((l) => l.req?.id === 'read-unauthorized') ? parsed : null;
        },
        5_000,
        'the 401 to be logged',
      );
      const requestLines = lines.filter((l) => l.req);
      expect(requestLines.map((l) => [l.level, l.req.id, l.res.statusCode, l.msg])).toEqual([
        [40, 'read-missing', 404, 'request completed'],
        [40, 'read-unauthorized', 401, 'request completed'],
      ]);
      expect(requestLines[0].req).toEqual({
        id: 'read-missing',
        method: 'GET',
        path: expect.stringMatching(/^\/v1\/id-verifications\/[0-9a-f-]{36}$/),
      });
      expect(service.output.includes('a-wrong-key-value')).toBe(false);
    } finally {
      service.kill('SIGTERM');
      await service.exited;
      await own.drop();
    }
  }, 60_000);

  it('SIGTERM during a drain: stops claiming, lets calls in flight finish, gives back unfinished claims, exits 0', async () => {
    const service = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
      CALLBACK_GRACE_SECONDS: '0',
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3',
      JUMIO_MAX_IN_FLIGHT: '4',
      JUMIO_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    const refs: string[] = Array.from({ length: 12 }, () => randomUUID());
    for (const reference of refs) {
      // Each status answer takes a second: calls are in flight when SIGTERM arrives.
      await rig.simulator.script({
        kind: 'scan',
        reference,
        faults: [{ endpoint: 'status', type: 'slow', delayMs: 1000, times: 5 }],
      });
      expect((await service.request('POST', '/v1/id-verifications', { reference })).status).toBe(201);
    }
    const db = new Client({ connectionString: rig.databaseUrl });
    await db.connect();
    try {
      await pollUntil(
        async () =>
          (await rig.simulator.requests()).some((r) => refs.includes(r.reference ?? '') && r.endpoint === 'status'),
        10_000,
        'the first status call',
      );
      const signalledAt = Date.now();
      service.kill('SIGTERM');
      const exit = await service.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(15_000);
      // Nothing is left claimed by the stopped replica, and no call started after the signal.
      const leased = await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE lease_owner IS NOT NULL`);
      expect(leased.rows[0].n).toBe(0);
      const afterSignal = (await rig.simulator.requests({ since: signalledAt + 200 })).filter((r) =>
        refs.includes(r.reference ?? ''),
      );
      expect(afterSignal).toEqual([]);
      // Calls in flight at the signal finished and were recorded.
      const recorded = await db.query(`SELECT count(*)::int AS n FROM jumio_call WHERE http_status = 200`);
      expect(recorded.rows[0].n).toBeGreaterThan(0);
      // A new replica picks up where the stopped one left off.
      const next = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
        CALLBACK_GRACE_SECONDS: '0',
        RETRIEVAL_SCHEDULE_SECONDS: '1,2,3',
      });
      try {
        await pollUntil(
          async () => {
            const r = await db.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE state <> 'RETRIEVED'`);
            return r.rows[0].n === 0;
          },
          40_000,
          'the successor to retrieve every transaction',
        );
      } finally {
        next.kill('SIGTERM');
        expect((await next.exited).code).toBe(0);
      }
    } finally {
      await db.end();
    }
  }, 90_000);
});
