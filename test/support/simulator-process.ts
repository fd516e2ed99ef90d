import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SimulatorRequest, TransactionScript } from '../../src/simulator/jumio-simulator';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'simulator', 'simulator.main.js');

/**
 * The simulator in a process of its own (the built `npm run simulator`), driven through its HTTP control API.
 * Timing tests use it so that Jumio's side records arrival times on an event loop the service does not share.
 */
export class SimulatorProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {}

  /** `hosts`: SIMULATOR_ACCOUNTS (name:DC:token:secret, ...) and SIMULATOR_DATACENTER, for a host of one data center. */
  static async start(
    token: string,
    secret: string,
    host: { accounts?: string; datacenter?: string } = {},
  ): Promise<SimulatorProcess> {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        SIMULATOR_PORT: '0',
        JUMIO_API_TOKEN: token,
        JUMIO_API_SECRET: secret,
        ...(host.accounts ? { SIMULATOR_ACCOUNTS: host.accounts } : {}),
        ...(host.datacenter ? { SIMULATOR_DATACENTER: host.datacenter } : {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
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
      child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}: ${out}`)));
    });
    return new SimulatorProcess(url, child);
  }

  async script(s: TransactionScript): Promise<void> {
    const res = await fetch(`${this.url}/__simulator/transactions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(s),
    });
    if (res.status !== 201) throw new Error(`script refused: ${res.status} ${await res.text()}`);
  }

  /** Gives an account a new secret, as a rotation in Jumio's portal does. */
  async rotateSecret(account: string, secret: string): Promise<void> {
    const res = await fetch(`${this.url}/__simulator/accounts/${encodeURIComponent(account)}/secret`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ secret }),
    });
    if (res.status !== 200) throw new Error(`rotation refused: ${res.status} ${await res.text()}`);
  }

  async requests(filter: { since?: number } = {}): Promise<SimulatorRequest[]> {
    const query = filter.since !== undefined ? `?since=${filter.since}` : '';
    const res = await fetch(`${this.url}/__simulator/requests${query}`);
    return ((await res.json()) as { requests: SimulatorRequest[] }).requests;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
