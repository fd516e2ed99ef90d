import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/free-port';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * `npm start` with no environment, as a new user runs it (the built entry point, nothing set but a port and a
 * data directory of its own): the sandbox comes up on an embedded PostgreSQL, answers, reconciles, and stops
 * cleanly on SIGTERM, taking the embedded database down with it.
 */
describe('the sandbox as a process', () => {
  it('starts with no configuration, reconciles a transaction, and exits 0 on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jf-sandbox-'));
    fs.chmodSync(dir, 0o755);
    const [port, dbPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        EMBEDDED_DATABASE_DIR: path.join(dir, 'pg'),
        EMBEDDED_DATABASE_PORT: String(dbPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 60_000)).toBe(true);
      expect(log).toContain('SANDBOX MODE');
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      const unauthorized = await fetch(`${base}/v1/events`);
      expect(unauthorized.status).toBe(401);
      expect(await unauthorized.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: [expect.any(String)],
      });

      // The documented walk-through: a reference ending in 1 is pending once, then approved.
      const reference = `${crypto.randomUUID().slice(0, -1)}1`;
      const headers = { Authorization: 'Bearer sandbox-backend-key', 'Content-Type': 'application/json' };
      expect(
        (await fetch(`${base}/v1/id-verifications`, { method: 'POST', headers, body: JSON.stringify({ reference }) }))
          .status,
      ).toBe(201);
      const retrieved = await waitFor(async () => {
        const v = (await (await fetch(`${base}/v1/id-verifications/${reference}`, { headers })).json()) as {
          tracking: { state: string };
        };
        return v.tracking.state === 'RETRIEVED';
      }, 45_000);
      expect(retrieved).toBe(true);
      expect(log).not.toContain('sandbox-backend-key');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(await portOpen(dbPort)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
