import { JumioSimulator, type SimulatorAccount } from './jumio-simulator.js';

/**
 * Runs the simulator on its own: `node dist/src/simulator/simulator.main.js`.
 * Env: SIMULATOR_PORT (8090), SIMULATOR_HOST (127.0.0.1), JUMIO_API_TOKEN / JUMIO_API_SECRET
 * (sandbox-token / sandbox-secret: the account `default`), SIMULATOR_ACCOUNTS (more accounts, name:DC:token:secret),
 * SIMULATOR_DATACENTER (the data center this host stands for: it accepts only that one's accounts),
 * SIMULATOR_CALLBACK_URL (unset: no callbacks until POST /__simulator/config
 * sets one; e.g. http://127.0.0.1:3000/callbacks/jumio). The same credentials must be configured in the service.
 */
export async function startFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<JumioSimulator> {
  const rawPort = env.SIMULATOR_PORT ?? '8090';
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65_535) {
    throw new Error(`SIMULATOR_PORT must be a port number, got "${rawPort}"`);
  }
  return JumioSimulator.start({
    host: env.SIMULATOR_HOST || '127.0.0.1',
    port: Number(rawPort),
    apiToken: env.JUMIO_API_TOKEN || 'sandbox-token',
    apiSecret: env.JUMIO_API_SECRET || 'sandbox-secret',
    callbackBaseUrl: env.SIMULATOR_CALLBACK_URL || undefined,
    accounts: parseAccounts(env.SIMULATOR_ACCOUNTS),
    datacenter: env.SIMULATOR_DATACENTER || undefined,
  });
}

/** SIMULATOR_ACCOUNTS: `name:DC:token:secret` comma-separated, as the service's JUMIO_ACCOUNTS (a ceiling is ignored). */
function parseAccounts(value: string | undefined): SimulatorAccount[] {
  if (!value) return [];
  return value.split(',').map((entry, i) => {
    const [name, datacenter, token, secret] = entry.trim().split(':');
    if (!name || !datacenter || !token || !secret)
      throw new Error(`SIMULATOR_ACCOUNTS: entry ${i + 1} is not name:DC:token:secret`);
    return { name, datacenter: datacenter.toUpperCase(), token, secret };
  });
}

async function main(): Promise<void> {
  const sim = await startFromEnv();
  process.stdout.write(`Jumio Retrieval API simulator listening on ${sim.url}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`simulator: error while stopping on ${signal}: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Only when run as a program: tests import startFromEnv without starting a second server.
if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
