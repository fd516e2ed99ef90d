import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';
import { useProcessRig } from '../support/process-rig';
import { BACKEND_KEY } from '../support/test-app';

/**
 * Clients that connect and then send slowly or not at all, against the built service as a process of its own (so
 * its open files and memory are its own), all on loopback with bounded counts: a client without a key is answered
 * 401 before its body is read; a head that does not arrive, or a body that does not, is cut off by the server after
 * HTTP_HEADERS_TIMEOUT_MS or HTTP_REQUEST_TIMEOUT_MS with a 408 in the contract's shape; past HTTP_MAX_CONNECTIONS a
 * connection is closed as soon as it is accepted. SLOW_CLIENTS_REPORT=1 prints the figures (docs/reliability.md).
 */

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
const SOCKETS = 1000;
const report = (what: string, figures: object) => {
  if (process.env.SLOW_CLIENTS_REPORT === '1')
    process.stdout.write(`slow clients: ${what} ${JSON.stringify(figures)}\n`);
};

/** A connection that sends `bytes` and then nothing; what the server answered, and whether it closed it. */
class StalledClient {
  answer = '';
  closedByServer = false;
  private readonly socket: net.Socket;
  readonly connected: Promise<void>;
  readonly closed: Promise<void>;

  constructor(port: number, bytes: string) {
    this.socket = net.connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.once('connect', () => this.socket.write(bytes));
    this.socket.on('data', (chunk: Buffer) => (this.answer += chunk.toString('utf8')));
    this.socket.on('error', () => undefined);
    // The test never closes these sockets itself: a close is the server's.
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closedByServer = true;
        resolve();
      }),
    );
  }

  /** The status and JSON body of the answer, if one came. */
  get reply(): { status: number; body: unknown } | null {
    const split = this.answer.indexOf('\r\n\r\n');
    if (split === -1) return null;
    return { status: Number(this.answer.split(' ')[1]), body: JSON.parse(this.answer.slice(split + 4)) };
  }
}

/** The service process's resident memory (MB) and open file descriptors, from /proc. */
function usage(pid: number): { rssMb: number; fds: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(rssKb / 1024), fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

const postHead = (extra = '') =>
  `POST /v1/id-verifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: 60000\r\n\r\n{`;

describe('slow and stalled clients, against the service as a process', () => {
  const rig = useProcessRig();
  const start = (maxConnections: number) =>
    ServiceProcess.start(rig.databaseUrl, rig.simulatorUrl, {
      LOG_LEVEL: 'error',
      RECONCILER_ENABLED: 'false',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_MAX_CONNECTIONS: String(maxConnections),
    });

  describe('below the connection cap', () => {
    let service: ServiceProcess;
    let port: number;
    beforeAll(async () => {
      service = await start(SOCKETS + 500);
      port = Number(new URL(service.base).port);
    });
    afterAll(async () => {
      service.kill('SIGTERM');
      await service.exited;
    });

    /** Opens `count` stalled clients in waves of 100 (the listen backlog is finite), waiting for each to connect. */
    async function openStalled(count: number, bytes: string): Promise<StalledClient[]> {
      const clients: StalledClient[] = [];
      for (let i = 0; i < count; i += 100) {
        const wave = Array.from({ length: Math.min(100, count - i) }, () => new StalledClient(port, bytes));
        await Promise.all(wave.map((c) => c.connected));
        clients.push(...wave);
      }
      return clients;
    }

    it(`${SOCKETS} keyless clients that announce 60,000 bytes and send one: each answered 401 at once and disconnected`, async () => {
      const before = usage(service.pid);
      const started = Date.now();
      const clients = await openStalled(SOCKETS, postHead());
      await Promise.all(clients.map((c) => c.closed));
      const seconds = (Date.now() - started) / 1000;
      for (const c of clients) {
        expect(c.closedByServer).toBe(true);
        expect(c.reply).toEqual({
          status: 401,
          body: {
            statusCode: 401,
            error: 'Unauthorized',
            message: ['missing or unknown API key: send Authorization: Bearer <key>'],
          },
        });
      }
      const after = usage(service.pid);
      report('keyless body senders', { sockets: SOCKETS, seconds, before, after });
      // Each was answered 401, not 408: nothing waited for the 59,999 bytes that never came.
      expect(after.fds).toBeLessThan(before.fds + 20);
    });

    it(`${SOCKETS} clients whose head never ends: held at most HTTP_HEADERS_TIMEOUT_MS, then answered 408 and disconnected; the service keeps serving meanwhile`, async () => {
      const before = usage(service.pid);
      const clients = await openStalled(SOCKETS, 'POST /v1/id-verifications HTTP/1.1\r\nHost: x\r\n');
      const opened = Date.now();
      const held = usage(service.pid);
      // While they are held, a request on a connection of its own is served.
      expect((await fetch(`${service.base}/health/live`)).status).toBe(200);
      await pollUntil(
        async () => clients.every((c) => c.closedByServer),
        20_000,
        'the server to close every stalled head',
      );
      const heldSeconds = (Date.now() - opened) / 1000;
      for (const c of clients)
        expect(c.reply).toEqual({
          status: 408,
          body: {
            statusCode: 408,
            error: 'Request Timeout',
            message: ['the request was not received in time (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)'],
          },
        });
      const after = usage(service.pid);
      report('stalled heads', { sockets: SOCKETS, heldSeconds, before, held, after });
      // Held, not refused (the first waves may already be cut off when the last one has connected, on a busy machine).
      expect(held.fds).toBeGreaterThan(before.fds + SOCKETS / 2);
      expect(after.fds).toBeLessThan(before.fds + 20);
      expect(held.rssMb - before.rssMb).toBeLessThan(150);
    });

    it('a client with a valid key that stops sending its body: answered 408 after HTTP_REQUEST_TIMEOUT_MS and disconnected', async () => {
      const clients = await openStalled(50, postHead(`Authorization: Bearer ${BACKEND_KEY}\r\n`));
      const opened = Date.now();
      await pollUntil(
        async () => clients.every((c) => c.closedByServer),
        20_000,
        'the server to close every slow body',
      );
      report('keyed slow bodies', { sockets: 50, heldSeconds: (Date.now() - opened) / 1000 });
      for (const c of clients) expect(c.reply?.status).toBe(408);
      // Nothing of them was tracked.
      expect((await service.request('POST', '/v1/id-verifications', { reference: randomUUID() })).status).toBe(201);
    });
  });

  it('past HTTP_MAX_CONNECTIONS a connection is closed as soon as it is accepted, and served again once the stalled ones are cut off', async () => {
    const service = await start(50);
    try {
      const port = Number(new URL(service.base).port);
      const stalled = Array.from({ length: 50 }, () => new StalledClient(port, 'GET /health/live HTTP/1.1\r\n'));
      await Promise.all(stalled.map((c) => c.connected));
      await pollUntil(async () => usage(service.pid).fds >= 50, 5_000, 'the service to hold 50 connections');
      const extra = new StalledClient(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      await extra.closed;
      expect({ closedByServer: extra.closedByServer, answer: extra.answer }).toEqual({
        closedByServer: true,
        answer: '',
      });
      await pollUntil(
        async () => stalled.every((c) => c.closedByServer),
        20_000,
        'the stalled connections to be cut off',
      );
      expect((await fetch(`${service.base}/health/live`)).status).toBe(200);
    } finally {
      service.kill('SIGTERM');
      await service.exited;
    }
  });
});
