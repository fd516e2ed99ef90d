/**
 * Shared pieces of `npm run bench`: the PostgreSQL server (embedded, or DATABASE_URL), scratch databases,
 * the service and the simulator as processes of their own, /proc readings, and small statistics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/database/database-options.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres.js';
import { freePort } from '../../src/database/free-port.js';

/** dist-bench/bench/lib -> the project root. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SERVICE_MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
export const SIMULATOR_MAIN = path.join(ROOT, 'dist', 'src', 'simulator', 'simulator.main.js');

export const BACKEND_KEY = 'bench-backend-secret-0123456789';
export const ADMIN_KEY = 'bench-admin-secret-0123456789';
export const JUMIO_TOKEN = 'bench-jumio-token';
export const JUMIO_SECRET = 'bench-jumio-secret';
export const USER_AGENT = 'JumioFallback Bench/1.0';

export const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
export const print = (s: string) => process.stdout.write(`${s}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

export interface Server {
  url: string;
  description: string;
  /** The postmaster's pid when the server is ours (embedded), for its CPU time. */
  postmasterPid: number | null;
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  if (process.env.DATABASE_URL) {
    return {
      url: process.env.DATABASE_URL,
      description: 'PostgreSQL at DATABASE_URL',
      postmasterPid: null,
      stop: async () => undefined,
    };
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jumio-fallback-bench-'));
  fs.chmodSync(tempDir, 0o755);
  log(`starting embedded PostgreSQL under ${tempDir}`);
  const embedded: EmbeddedDatabase = await startEmbeddedPostgres({
    dataDir: path.join(tempDir, 'pg'),
    port: await freePort(),
    persistent: false,
  });
  const c = new Client({ connectionString: embedded.url });
  await c.connect();
  const [{ server_version: version }] = (await c.query(`SHOW server_version`)).rows;
  await c.end();
  const postmasterPid =
    Number(fs.readFileSync(path.join(tempDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) || null;
  return {
    url: embedded.url,
    postmasterPid,
    description: `embedded PostgreSQL ${version} (embedded-postgres package, default settings, max_connections=200)`,
    stop: async () => {
      await embedded.stop();
      fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A scratch database with the service's schema (the built service's own migrations). */
export async function createDatabase(
  server: Server,
  label: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `jf_bench_${label}_${randomBytes(3).toString('hex')}`;
  await adminQuery(server.url, `CREATE DATABASE ${name}`);
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const url = u.toString();
  // The built service's migrations (dist/migrations), so the schema is exactly the one the service runs on.
  const ds = new DataSource({
    ...databaseOptions(url, { poolSize: 2, applicationName: 'jumio-fallback-bench' }),
    entities: [],
    migrations: [path.join(ROOT, 'dist', 'migrations', '*.js')],
  });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  return {
    name,
    url,
    drop: () => adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined),
  };
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Processes

/** Keeps the last few KB of a child's output (and keeps its pipes drained); counts the bytes. */
function tail(child: ChildProcess, counter?: { bytes: number; lines: number }): () => string {
  let out = '';
  const keep = (c: Buffer) => {
    if (counter) {
      counter.bytes += c.length;
      for (const b of c) if (b === 10) counter.lines++;
    }
    out += c.toString();
    if (out.length > 20_000) out = out.slice(-10_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => out;
}

async function stopChild(child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(t);
}

export class ServiceProcess {
  readonly logged = { bytes: 0, lines: 0 };
  output: () => string = () => '';

  private constructor(
    readonly base: string,
    readonly child: ChildProcess,
  ) {
    this.output = tail(child, this.logged);
  }

  /** `node dist/src/main.js`, configured like production (NODE_ENV=production, SANDBOX=false). */
  static async start(
    databaseUrl: string,
    jumioUrl: string,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const baseUrls = Object.fromEntries(
      ['US', 'EU', 'SGP'].flatMap((dc) => [
        [`JUMIO_${dc}_BASE_URL`, jumioUrl],
        [`JUMIO_${dc}_DOCUMENTS_BASE_URL`, jumioUrl],
      ]),
    );
    const extra = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...extra, ...nodeArgs, SERVICE_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        SANDBOX: 'false',
        DATABASE_URL: databaseUrl,
        API_KEYS: `bench-ops:admin:${ADMIN_KEY},bench-backend:transactions:${BACKEND_KEY}`,
        JUMIO_API_TOKEN: JUMIO_TOKEN,
        JUMIO_API_SECRET: JUMIO_SECRET,
        JUMIO_USER_AGENT: USER_AGENT,
        JUMIO_ALLOW_INSECURE_HTTP: 'true',
        DATA_ENCRYPTION_KEYS: `bench1:${Buffer.alloc(32, 7).toString('base64')}`,
        LOG_LEVEL: 'warn',
        ...baseUrls,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(`http://127.0.0.1:${port}`, child);
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const ready = await fetch(`${service.base}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return service;
      if (child.exitCode !== null) break;
      await sleep(150);
    }
    child.kill('SIGKILL');
    throw new Error(`the service did not become ready:\n${service.output().slice(-3000)}`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** The simulator's requests grouped by reference, each group in arrival order. */
export function byReference(requests: SimulatorRequestLite[]): Map<string, SimulatorRequestLite[]> {
  const out = new Map<string, SimulatorRequestLite[]>();
  for (const r of requests) {
    const list = out.get(r.reference ?? '?') ?? [];
    list.push(r);
    out.set(r.reference ?? '?', list);
  }
  return out;
}

/** The tracked transactions of a database by `state/status`. */
export async function statesOf(c: Client): Promise<Record<string, number>> {
  const states: Record<string, number> = {};
  const { rows } = await c.query<{ k: string; n: number }>(
    `SELECT state || '/' || status AS k, count(*)::int AS n FROM tracked_transaction GROUP BY 1 ORDER BY 1`,
  );
  for (const r of rows) states[r.k] = r.n;
  return states;
}

export interface SimulatorRequestLite {
  at: number;
  reference: string | null;
  endpoint: string;
  httpStatus: number | null;
}

export class SimulatorProcess {
  private constructor(
    readonly url: string,
    readonly child: ChildProcess,
  ) {}

  static async start(): Promise<SimulatorProcess> {
    const child = spawn(process.execPath, [SIMULATOR_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        SIMULATOR_PORT: '0',
        JUMIO_API_TOKEN: JUMIO_TOKEN,
        JUMIO_API_SECRET: JUMIO_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${out}`)), 15000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}: ${out}`)));
    });
    child.stdout!.resume();
    return new SimulatorProcess(url, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async requests(): Promise<SimulatorRequestLite[]> {
    const res = await fetch(`${this.url}/__simulator/requests`);
    const body = (await res.json()) as { requests: SimulatorRequestLite[] };
    return body.requests.map(({ at, reference, endpoint, httpStatus }) => ({ at, reference, endpoint, httpStatus }));
  }

  async clear(): Promise<void> {
    await fetch(`${this.url}/__simulator/reset`, { method: 'POST' });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** A compiled bench script (dist-bench/bench/<name>.js) as a process; resolves once it printed `ready <port>`. */
export async function startBenchProcess(
  script: string,
  env: Record<string, string>,
): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(__dirname, '..', script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), 15000);
    const on = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
  return { port, child, stop: () => stopChild(child) };
}

// ---------------------------------------------------------------------------------------------------------
// /proc

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64/arm64

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * CPU ms of one PostgreSQL server: the postmaster (with the backends it has reaped, cutime/cstime) and its live
 * children. NaN when the server is not ours (DATABASE_URL).
 */
export function postgresCpuMs(postmasterPid: number | null): number {
  if (!postmasterPid) return NaN;
  const fieldsOf = (pid: string | number) => {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  try {
    const p = fieldsOf(postmasterPid);
    let total = Number(p[11]) + Number(p[12]) + Number(p[13]) + Number(p[14]);
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const f = fieldsOf(d);
        if (Number(f[1]) === postmasterPid) total += Number(f[11]) + Number(f[12]);
      } catch {
        // gone
      }
    }
    return (total * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Resident memory in MB (VmRSS). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Statistics

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * The most events in any window of `windowMs`, from millisecond timestamps. `closed`: two events whose stamps differ
 * by exactly `windowMs` count as inside one window (the strictest reading: their true distance is anywhere in
 * windowMs +- 1 ms); otherwise the window is half-open (stamps less than `windowMs` apart).
 */
export function maxInWindow(sortedAt: number[], windowMs: number, closed = true): number {
  let best = 0;
  let j = 0;
  const inside = (d: number) => (closed ? d <= windowMs : d < windowMs);
  for (let i = 0; i < sortedAt.length; i++) {
    if (j < i) j = i;
    while (j + 1 < sortedAt.length && inside(sortedAt[j + 1] - sortedAt[i])) j++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** How many windows (starting at an event) hold more than `limit` events. */
export function windowsOver(sortedAt: number[], windowMs: number, limit: number, closed = true): number {
  let n = 0;
  let j = 0;
  const inside = (d: number) => (closed ? d <= windowMs : d < windowMs);
  for (let i = 0; i < sortedAt.length; i++) {
    if (j < i) j = i;
    while (j + 1 < sortedAt.length && inside(sortedAt[j + 1] - sortedAt[i])) j++;
    if (j - i + 1 > limit) n++;
  }
  return n;
}

/** What Jumio would count of a run's calls, from their arrival stamps at the simulator (sorted). */
export interface ArrivalWindows {
  /** Closed windows (stamps <= 1000 / 5000 ms apart): the strictest reading of millisecond stamps. */
  max1s: number;
  max5s: number;
  /** Half-open windows (stamps < 1000 / 5000 ms apart). */
  max1sHalfOpen: number;
  max5sHalfOpen: number;
  /** Closed / half-open 1 s windows (one per starting call) holding more than the ceiling. */
  windowsOver1s: number;
  windowsOver1sHalfOpen: number;
  /** Every call's arrival at the simulator (Date.now()), as the first stamp and the deltas, for later analysis. */
  arrivalsMs: { first: number | null; deltas: number[] };
}

export function arrivalWindows(sortedAt: number[], ceilingPerSecond: number): ArrivalWindows {
  return {
    max1s: maxInWindow(sortedAt, 1000),
    max5s: maxInWindow(sortedAt, 5000),
    max1sHalfOpen: maxInWindow(sortedAt, 1000, false),
    max5sHalfOpen: maxInWindow(sortedAt, 5000, false),
    windowsOver1s: windowsOver(sortedAt, 1000, ceilingPerSecond),
    windowsOver1sHalfOpen: windowsOver(sortedAt, 1000, ceilingPerSecond, false),
    arrivalsMs: { first: sortedAt[0] ?? null, deltas: sortedAt.map((x, i) => (i === 0 ? 0 : x - sortedAt[i - 1])) },
  };
}

export const fix = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : String(n));

/** The server's commit latency: sequential autocommit single-row inserts, with synchronous_commit on and off. */
export async function commitLatencyMs(serverUrl: string): Promise<{ on: number; off: number }> {
  return withClient(serverUrl, async (c) => {
    await c.query('CREATE TEMP TABLE commit_probe (a int)');
    const out = { on: NaN, off: NaN };
    for (const sc of ['on', 'off'] as const) {
      await c.query(`SET synchronous_commit = ${sc}`);
      const t = performance.now();
      for (let i = 0; i < 200; i++) await c.query('INSERT INTO commit_probe VALUES ($1)', [i]);
      out[sc] = (performance.now() - t) / 200;
    }
    return out;
  });
}
