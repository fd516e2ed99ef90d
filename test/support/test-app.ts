import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApplication } from '../../src/app.factory';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { SystemClock, type Clock } from '../../src/engine/clock/clock';
import { ManualClock } from './manual-clock';
import { OpenApiContract, type OpenApiDocument } from './openapi-contract';
import { ReconciliationScheduler } from '../../src/engine/reconciliation/reconciliation.scheduler';
import { pointEveryDatacenterAt } from '../../src/sandbox/sandbox';
import { JumioSimulator } from '../../src/simulator/jumio-simulator';
import { LogCapture, linesWithPersonalValues, personalValuesHeld } from './log-check';
import { createTestDatabase } from './test-database';

import { ADMIN_KEY, BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT } from './test-credentials';

export { ADMIN_KEY, BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT };

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Start with the reconciler's own interval running (real time); tests usually drive it with drain(). */
  reconcilerRunning?: boolean;
  clockStart?: string;
  /** Reuse a database (two replicas on one database). */
  databaseUrl?: string;
  simulator?: JumioSimulator;
  /** Per data center overrides of the simulator's URL. */
  datacenterUrls?: Partial<Record<'US' | 'EU' | 'SGP', string>>;
  /** A simulator running elsewhere (another process): `t.simulator` is then an idle in-process one. */
  simulatorUrl?: string;
  replicaId?: string;
  /** Real time instead of a ManualClock (multi-replica runs driven by the reconciler's own interval). */
  systemClock?: boolean;
  /** The certificate authority of a simulator over TLS. */
  jumioTlsCa?: string;
}

/**
 * What the service logs, at TEST_LOG_LEVEL (default debug: everything), is kept in memory rather than printed
 * (TEST_LOG_STDOUT=1 prints it too). close() searches every line for the personal values the database holds and
 * that the simulator served, and fails the suite when one is found: every e2e suite checks its own logs.
 */
const LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'debug';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** The app's clock unless systemClock was asked for. */
  clock: ManualClock;
  simulator: JumioSimulator;
  scheduler: ReconciliationScheduler;
  dataSource: DataSource;
  databaseUrl: string;
  /** Where the app listens, e.g. `http://127.0.0.1:41234` (for the simulator's callbacks). */
  baseUrl: string;
  /** supertest against the app; every answer is also checked against the served OpenAPI document. */
  http(): ReturnType<typeof request>;
  /** Every line the service has logged so far (JSON). */
  logs(): readonly string[];
  close(): Promise<void>;
}

/** The real application (real PostgreSQL, the simulator over real sockets) with an injected ManualClock. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? database!.url;
  const simulator =
    options.simulator ?? (await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET }));
  const config = loadConfig({
    SANDBOX: 'false',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL,
    API_KEYS: `test-ops:admin:${ADMIN_KEY},test-backend:transactions:${BACKEND_KEY}`,
    JUMIO_API_TOKEN: JUMIO_TOKEN,
    JUMIO_API_SECRET: JUMIO_SECRET,
    JUMIO_USER_AGENT: USER_AGENT,
    JUMIO_ALLOW_INSECURE_HTTP: 'true',
    DATA_ENCRYPTION_KEYS: `test1:${Buffer.alloc(32, 7).toString('base64')}`,
    CALLBACK_GRACE_SECONDS: '300',
    JUMIO_RATE_LIMIT_PER_SECOND: '1000',
    JUMIO_TIMEOUT_MS: '2000',
    // Real-time pauses after a 429 would stall tests that drive a manual clock; one test turns it on.
    JUMIO_429_PAUSE_MAX_SECONDS: '0',
    RECONCILER_ENABLED: options.reconcilerRunning ? 'true' : 'false',
    RECONCILER_POLL_INTERVAL_MS: '50',
    ...options.env,
  });
  pointEveryDatacenterAt(config, options.simulatorUrl ?? simulator.url);
  for (const [dc, url] of Object.entries(options.datacenterUrls ?? {}))
    config.jumio.baseUrls[dc as 'US' | 'EU' | 'SGP'] = { scans: url, documents: url };
  const clock = new ManualClock(options.clockStart ?? '2026-11-26T10:00:00.000Z');
  const runtimeClock: Clock = options.systemClock ? new SystemClock() : clock;
  const logs = new LogCapture(process.env.TEST_LOG_STDOUT === '1');
  const app = await createApplication(config, {
    clock: runtimeClock,
    replicaId: options.replicaId,
    logDestination: logs,
    jumioTlsCa: options.jumioTlsCa,
  });
  try {
    await app.init();
  } catch (e) {
    // A start-up refusal (a start-up check failed): nothing of this app may outlive the test.
    await app.close().catch(() => undefined);
    if (!options.simulator) await simulator.close();
    if (database) await database.drop();
    throw e;
  }
  await app.listen(0, '127.0.0.1');
  const contract = await servedContract(app);
  const ownsSimulator = !options.simulator;
  return {
    app,
    config,
    clock,
    simulator,
    scheduler: app.get(ReconciliationScheduler),
    dataSource: app.get(DataSource),
    databaseUrl,
    baseUrl: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
    http: () => checked(request(app.getHttpServer()), contract),
    logs: () => logs.lines,
    async close() {
      const personal = await personalValuesHeld(app.get(DataSource), options.simulatorUrl ?? simulator.url).catch(
        () => [],
      );
      await app.close();
      if (ownsSimulator) await simulator.close();
      if (database) await database.drop();
      const leaked = linesWithPersonalValues(logs.lines, personal);
      if (leaked.length > 0)
        throw new Error(
          `the service logged personal data (${leaked.length} of ${logs.lines.length} lines), first ${JSON.stringify(leaked[0].value)} in:\n${leaked[0].line.slice(0, 2000)}`,
        );
    },
  };
}

/** One contract per served document: the apps of a test file share their compiled schemas. */
const contracts = new Map<string, OpenApiContract>();

async function servedContract(app: INestApplication): Promise<OpenApiContract> {
  const served = await request(app.getHttpServer()).get('/docs/openapi.json').expect(200);
  let contract = contracts.get(served.text);
  if (!contract) {
    contract = new OpenApiContract(served.body as OpenApiDocument);
    contracts.set(served.text, contract);
  }
  return contract;
}

/** The agent with every request it makes watched by the contract. */
function checked<A extends object>(agent: A, contract: OpenApiContract): A {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const test: unknown = value.apply(target, args);
        return test instanceof request.Test ? contract.watch(test) : test;
      };
    },
  });
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** supertest parser that keeps a binary body as a Buffer (media routes). */
export function binaryParser(res: NodeJS.ReadableStream, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
