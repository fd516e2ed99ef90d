import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';
import { DATACENTERS } from '../common/kinds.js';
import { JumioSimulator } from '../simulator/jumio-simulator.js';

/** In the sandbox every data center, scans and documents hosts alike, is the in-process simulator. */
export function pointEveryDatacenterAt(config: AppConfig, url: string): void {
  for (const dc of DATACENTERS) config.jumio.baseUrls[dc] = { scans: url, documents: url };
}

/**
 * The sandbox's Jumio: one simulated host per data center (in DATACENTERS order, on SANDBOX_SIMULATOR_PORT and
 * the next two ports, or free ones), each accepting only the configured accounts of its data center, as Jumio's
 * hosts do; every data center of the configuration points at its own.
 */
export async function startSandboxSimulators(config: AppConfig): Promise<JumioSimulator[]> {
  const simulators: JumioSimulator[] = [];
  for (const [i, datacenter] of DATACENTERS.entries()) {
    const accounts = config.jumio.accounts.filter((a) => a.datacenter === datacenter);
    const fallback = accounts.find((a) => a.name === 'default');
    // The simulator's own `default` is the service's when that covers this data center, else a pair nobody has.
    const unused = randomBytes(16).toString('hex');
    const sim = await JumioSimulator.start({
      host: '127.0.0.1',
      port: config.sandboxSimulatorPort === 0 ? 0 : config.sandboxSimulatorPort + i,
      datacenter,
      apiToken: fallback?.token ?? unused,
      apiSecret: fallback?.secret ?? unused,
      accounts: accounts
        .filter((a) => a.name !== 'default')
        .map((a) => ({ name: a.name, datacenter, token: a.token, secret: a.secret })),
    });
    config.jumio.baseUrls[datacenter] = { scans: sim.url, documents: sim.url };
    simulators.push(sim);
  }
  return simulators;
}
