import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/database/free-port';
import { ADMIN_KEY, BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT } from './test-app';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/**
 * The built service (`node dist/src/main.js`, what `npm start` runs) as a process of its own, configured like
 * production against a given database and Jumio, for tests about processes: signals, crashes, logs.
 */
export class ServiceProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly base: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(databaseUrl: string, jumioUrl: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const baseUrls = Object.fromEntries(
      ['US', 'EU', 'SGP'].flatMap((dc) => [
        [`JUMIO_${dc}_BASE_URL`, jumioUrl],
        [`JUMIO_${dc}_DOCUMENTS_BASE_URL`, jumioUrl],
      ]),
    );
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        SANDBOX: 'false',
        DATABASE_URL: databaseUrl,
        API_KEYS: `test-ops:admin:${ADMIN_KEY},test-backend:transactions:${BACKEND_KEY}`,
        JUMIO_API_TOKEN: JUMIO_TOKEN,
        JUMIO_API_SECRET: JUMIO_SECRET,
        JUMIO_USER_AGENT: USER_AGENT,
        JUMIO_ALLOW_INSECURE_HTTP: 'true',
        DATA_ENCRYPTION_KEYS: `test1:${Buffer.alloc(32, 7).toString('base64')}`,
        LOG_LEVEL: 'warn',
        ...baseUrls,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(`http://127.0.0.1:${port}`, child);
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const ready = await fetch(`${service.base}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return service;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    child.kill('SIGKILL');
    throw new Error(`the service did not become ready:\n${service.output.slice(-3000)}`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    key = BACKEND_KEY,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
}
