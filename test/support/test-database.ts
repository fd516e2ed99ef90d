import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A fresh database per test file on the run's PostgreSQL (embedded, or the server DATABASE_URL names), so
 * suites running in parallel never see each other's rows. Migrations run on it when the app starts.
 */
export async function createTestDatabase(prefix = 'jf_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl)
    throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (its global setup starts PostgreSQL)');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
