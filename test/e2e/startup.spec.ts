import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/database/free-port';
import { DisposablePostgres } from '../support/disposable-postgres';
import { pollUntil } from '../support/poll-until';
import { ADMIN_KEY, JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT } from '../support/test-app';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** The built service (npm test builds first) refuses to start misconfigured, one line per problem. */
describe('start-up with a bad configuration', () => {
  it('SANDBOX=false without an account, keys or encryption keys exits non-zero naming each variable', () => {
    expect(fs.existsSync(MAIN)).toBe(true);
    const env = { PATH: process.env.PATH ?? '', SANDBOX: 'false', DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' };
    const run = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 30000 });
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    for (const name of ['API_KEYS', 'JUMIO_ACCOUNTS', 'JUMIO_USER_AGENT', 'DATA_ENCRYPTION_KEYS']) {
      expect(lines.filter((line) => line.startsWith(`configuration error: ${name}:`))).toHaveLength(1);
    }
    expect(lines).toHaveLength(4);
  });
});

describe('start-up with an unreachable database', () => {
  it('logs one JSON line per try naming DATABASE_URL and host:port, then a fatal line, and exits 1', async () => {
    const password = 'pw-that-must-not-be-logged-7c1e';
    const port = await freePort(); // free a moment ago: nothing listens there
    const databaseUrl = `postgres://jumio:${password}@127.0.0.1:${port}/jumio_fallback`;
    const env = productionEnv(databaseUrl, { DATABASE_STARTUP_WAIT_SECONDS: '3' });
    const run = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 60000 });

    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n').filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as LogEntry);
    const target = `127.0.0.1:${port}`;
    const retries = entries.filter((entry) => entry.level === 40 && entry.variable === 'DATABASE_URL');
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const retry of retries) {
      expect(retry).toMatchObject({ context: 'Database', target });
      expect(retry.msg).toContain(`DATABASE_URL: PostgreSQL at ${target} is not reachable`);
    }
    const last = entries[entries.length - 1];
    expect(last).toMatchObject({ level: 60, variable: 'DATABASE_URL', target, waitSeconds: 3 });
    expect(last.msg).toMatch(/^start-up failed: DATABASE_URL: no PostgreSQL answered at 127\.0\.0\.1:\d+ within 3 s/);
    expect(entries.filter((entry) => entry.level === 60)).toHaveLength(1);
    expect(run.stdout).not.toContain(password);
    expect(run.stdout).not.toContain(databaseUrl);
  });

  it('waits for a database that comes up during the wait (replicas may start first), then serves', async () => {
    const pg = await DisposablePostgres.create();
    await pg.stop();
    const child = spawn(process.execPath, [MAIN], {
      env: productionEnv(pg.url, { PORT: String(await freePort()) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Throws on a line that is not JSON (while the process writes, on a line not complete yet: "not yet").
    const entries = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogEntry);
    try {
      await pollUntil(
        async () => entries().some((entry) => entry.level === 40 && entry.variable === 'DATABASE_URL'),
        30_000,
        'a retry line',
      );
      await pg.start();
      await pollUntil(
        async () => entries().some((entry) => entry.msg.startsWith('listening on port')),
        60_000,
        'the service to listen',
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(entries().filter((entry) => entry.level >= 50)).toEqual([]);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
      await pg.destroy();
    }
  }, 120_000);
});

interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The environment of a production start (no sandbox) against the given database, logging at info. */
function productionEnv(databaseUrl: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    SANDBOX: 'false',
    DATABASE_URL: databaseUrl,
    API_KEYS: `test-ops:admin:${ADMIN_KEY}`,
    JUMIO_API_TOKEN: JUMIO_TOKEN,
    JUMIO_API_SECRET: JUMIO_SECRET,
    JUMIO_USER_AGENT: USER_AGENT,
    DATA_ENCRYPTION_KEYS: `test1:${Buffer.alloc(32, 7).toString('base64')}`,
    LOG_LEVEL: 'info',
    ...extra,
  };
}
