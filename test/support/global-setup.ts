import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { freePort } from '../../src/database/free-port';

/**
 * Starts one real PostgreSQL for the whole run unless DATABASE_URL names a server. Test files create their
 * own databases from it (see test/support/test-database.ts), so suites never see each other's rows.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'jumio-fallback-test-'));
  fs.chmodSync(base, 0o755);
  const db = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), port: await freePort(), persistent: false });
  process.env.TEST_DATABASE_URL = db.url;
  (globalThis as Record<string, unknown>).__EMBEDDED_PG__ = { db, base };
}
