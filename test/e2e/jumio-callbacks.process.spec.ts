import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { callbackFields } from '../../src/simulator/jumio-simulator';
import { planFromScript, validateScript } from '../../src/simulator/simulator-scripts';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';
import { useProcessRig } from '../support/process-rig';

/**
 * Callbacks received by the service as a process (what `npm start` runs): a crash between storing a callback and
 * processing it loses nothing, and neither refused nor accepted bodies reach the log.
 */
describe('Jumio callbacks, the service as a process', () => {
  const rig = useProcessRig();

  /** The callback of an approved scan the simulator process also answers for (scripted there). */
  const form = async (reference: string, extra: Record<string, string> = {}) => {
    await rig.simulator.script({ kind: 'scan', reference });
    const plan = planFromScript(validateScript({ kind: 'scan', reference }));
    return new URLSearchParams({ ...callbackFields(plan, rig.simulator.url, new Date()), ...extra }).toString();
  };
  const post = (service: ServiceProcess, body: string, headers: Record<string, string> = {}) =>
    fetch(`${service.base}/callbacks/jumio/id-verifications`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  it('a callback stored by a replica that dies before processing it is processed after the restart', async () => {
    // Background work off: the replica stores and answers, and never processes (as if it died right after the 200).
    const first = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
      RECONCILER_ENABLED: 'false',
      CALLBACK_ALLOWED_SOURCES: '127.0.0.1',
    });
    const reference = randomUUID();
    let res: Response;
    try {
      res = await post(first, await form(reference));
      expect(res.status).toBe(200);
    } finally {
      first.kill('SIGKILL');
      await first.exited;
    }
    const db = new Client({ connectionString: rig.databaseUrl });
    await db.connect();
    try {
      const stored = await db.query(
        `SELECT processed_at, body IS NOT NULL AS holds_body FROM jumio_callback WHERE reference = $1`,
        [reference],
      );
      expect(stored.rows).toEqual([{ processed_at: null, holds_body: true }]);
      expect((await db.query(`SELECT 1 FROM tracked_transaction WHERE reference = $1`, [reference])).rows).toHaveLength(
        0,
      );

      const second = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
        CALLBACK_ALLOWED_SOURCES: '127.0.0.1',
        RECONCILER_POLL_INTERVAL_MS: '200',
      });
      try {
        const view = await pollUntil(
          async () => {
            const v = await second.request('GET', `/v1/id-verifications/${reference}`);
            return v.status === 200 && v.body.tracking.state === 'CALLBACK_RECEIVED' && v.body.retrievedAt
              ? v.body
              : null;
          },
          30_000,
          'the stored callback to be processed by the new replica',
        );
        expect(view.status).toBe('DONE');
        expect(view.result.document.firstName).toEqual(expect.any(String));
        const after = await db.query(
          `SELECT outcome, body IS NOT NULL AS holds_body FROM jumio_callback WHERE reference = $1`,
          [reference],
        );
        expect(after.rows).toEqual([{ outcome: 'APPLIED', holds_body: false }]);
      } finally {
        second.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await db.end();
    }
  });

  it('logs neither a refused body, nor a malformed one, nor the personal data of an accepted one', async () => {
    const service = await ServiceProcess.start(rig.databaseUrl, rig.simulator.url, {
      LOG_LEVEL: 'debug',
      CALLBACK_ALLOWED_SOURCES: '127.0.0.1',
      TRUSTED_PROXIES: '127.0.0.1',
    });
    try {
      const marker = `MARKER-${randomUUID()}`;
      // From an address that is not allowed (a trusted proxy says who sent it).
      expect(
        (
          await post(service, await form(randomUUID(), { idFirstName: `${marker}-refused` }), {
            'X-Forwarded-For': '198.51.100.7',
          })
        ).status,
      ).toBe(403);
      // Not a callback: no reference.
      expect((await post(service, `idFirstName=${marker}-malformed&idNumber=${marker}`)).status).toBe(400);
      // Accepted, and processed: its personal values never reach the log either.
      const reference = randomUUID();
      expect((await post(service, await form(reference, { idFirstName: `${marker}-accepted` }))).status).toBe(200);
      await pollUntil(
        async () => {
          const v = await service.request('GET', `/v1/id-verifications/${reference}`);
          return v.status === 200 && v.body.retrievedAt ? v.body : null;
        },
        30_000,
        'the accepted callback to be processed',
      );
      const log = service.output;
      expect(log).toContain('198.51.100.7'); // the refusal is logged, with the sender
      expect(log.includes(marker)).toBe(false);
    } finally {
      service.kill('SIGTERM');
      await service.exited;
    }
  });
});
