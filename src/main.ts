// First: the tracing instrumentations must be in place before http, pg and Fastify load.
import { tracingSdk } from './operations/start-tracing.js';
import 'reflect-metadata';
import { Logger as NestLogger, type INestApplication } from '@nestjs/common';
import { Logger, PinoLogger, type Params } from 'nestjs-pino';
import { createApplication } from './app.factory.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import type { EmbeddedDatabase } from './database/embedded-postgres.js';
import { DatabaseUnreachableError, waitForDatabase } from './database/wait-for-database.js';
import { loggerParams } from './operations/logging.js';
import { DATACENTERS } from './common/kinds.js';
import { useSandboxDataKey } from './sandbox/sandbox-data-key.js';
import type { JumioSimulator } from './simulator/jumio-simulator.js';

/** Set once the configuration is read: from then on every line is JSON, a failed start-up's last one too. */
let startupLogger: PinoLogger | undefined;

/**
 * `npm start`. Order matters: configuration first (a bad one stops here, one line per problem), then the
 * database (DATABASE_URL waited for, or the embedded one started) and the simulator when asked for, then the
 * application, which migrates before it serves.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (thrown) {
    if (thrown instanceof ConfigError) {
      for (const problem of thrown.problems) process.stderr.write(`configuration error: ${problem}\n`);
      process.exit(1);
    }
    throw thrown;
  }
  const logging = loggerParams(config);
  useJsonLogsFromTheStart(logging);
  startupLogger = contextLogger(logging, 'Bootstrap');
  // The sandbox without DATA_ENCRYPTION_KEYS: a development key generated once and kept under ./.data.
  if (config.sandbox) useSandboxDataKey(config);

  // Last to stop: spans of the shutdown itself are exported too.
  const sdk = tracingSdk;
  const stops: (() => Promise<void>)[] = sdk ? [() => sdk.shutdown()] : [];
  let database: EmbeddedDatabase | undefined;
  if (config.database.url) {
    await waitForDatabase({
      url: config.database.url,
      waitSeconds: config.database.startupWaitSeconds,
      log: contextLogger(logging, 'Database'),
    });
  } else {
    // Loaded only here (as the simulator below): the production image leaves both out.
    const { startEmbeddedPostgres } = await import('./database/embedded-postgres.js');
    database = await startEmbeddedPostgres({
      dataDir: config.database.embeddedDir,
      port: config.database.embeddedPort,
      persistent: true,
    });
    config.database.url = database.url;
    stops.unshift(() => database!.stop());
  }
  const simulators: JumioSimulator[] = [];
  if (config.sandbox) {
    const { startSandboxSimulators } = await import('./sandbox/sandbox.js');
    simulators.push(...(await startSandboxSimulators(config)));
    for (const simulator of simulators) stops.unshift(() => simulator.close());
  }

  const app = await createApplication(config);
  const logger = app.get(Logger);
  if (config.sandbox) {
    const hosts = simulators.map((sim, i) => `${DATACENTERS[i]} ${sim.url}`).join(', ');
    logger.warn(
      `SANDBOX MODE: not for production. Jumio is the in-process simulator, one host per data center (${hosts}); ` +
        `database ${database ? `embedded under ${config.database.embeddedDir}` : 'from DATABASE_URL'}; ` +
        `development API keys apply unless API_KEYS is set (see README); the schedule is shrunk ` +
        `(grace ${config.reconciler.callbackGraceSeconds}s, attempts at ${config.reconciler.scheduleSeconds.join(',')}s).`,
      'Sandbox',
    );
  } else if (database) {
    logger.warn(
      `DATABASE_URL is not set: using the embedded PostgreSQL under ${config.database.embeddedDir} (development only)`,
      'Database',
    );
  }
  await app.listen(config.server.port, '0.0.0.0');
  logger.log(`listening on port ${config.server.port}`, 'Bootstrap');
  // The sandbox's Jumio posts its callbacks here (POST <simulator>/__simulator/callbacks asks it to).
  for (const simulator of simulators)
    simulator.setCallbackBaseUrl(`http://127.0.0.1:${config.server.port}/callbacks/jumio`);
  handleShutdown(app, stops, config.server.shutdownTimeoutMs);
}

/**
 * Nest logs through its own plain-text logger until the application installs pino, and a start-up that fails
 * before then prints those lines all at once: the same pino root logger from the start keeps every line JSON.
 */
function useJsonLogsFromTheStart(logging: Params): void {
  NestLogger.overrideLogger(new Logger(new PinoLogger(logging), logging));
}

function contextLogger(logging: Params, context: string): PinoLogger {
  const logger = new PinoLogger(logging);
  logger.setContext(context);
  return logger;
}

/**
 * SIGTERM/SIGINT: app.close() runs Nest's shutdown hooks (the reconciler stops claiming and waits for work in
 * flight, bounded by SHUTDOWN_TIMEOUT_MS), then the pool closes, then the embedded database and the simulator
 * stop, and the process exits 0. Nest's enableShutdownHooks would re-raise the signal and exit 143 instead.
 */
function handleShutdown(app: INestApplication, stops: (() => Promise<void>)[], timeoutMs: number): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const logger = app.get(Logger);
    logger.log(`${signal} received: shutting down`, 'Bootstrap');
    const hardStop = setTimeout(() => process.exit(1), timeoutMs + 10000);
    hardStop.unref();
    try {
      await app.close();
      for (const stop of stops) await stop().catch(() => undefined);
      process.exit(0);
    } catch {
      process.exit(1);
    }
  };
  // embedded-postgres registers async-exit-hook, which answers SIGTERM with exit(143) as soon as its own hook
  // is done, racing this shutdown. This process owns its signals: the embedded database is stopped above.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((thrown: unknown) => {
  const message = `start-up failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
  const fields = thrown instanceof DatabaseUnreachableError ? thrown.fields : {};
  if (startupLogger) startupLogger.fatal(fields, message);
  // LOG_LEVEL=silent would swallow the fatal line: the reason still reaches stderr.
  if (!startupLogger?.logger.isLevelEnabled('fatal')) process.stderr.write(`${message}\n`);
  process.exit(1);
});
