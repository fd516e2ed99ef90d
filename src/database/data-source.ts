import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptions } from './database-options.js';

/**
 * The TypeORM CLI's data source (`npm run migration:run`, `migration:revert`, `migration:generate`).
 * It needs DATABASE_URL: the CLI is for operating a real server; the embedded one migrates itself at start-up.
 */
const url = process.env.DATABASE_URL;
if (!url) {
  throw new Error(
    'DATABASE_URL is required for the TypeORM CLI, e.g. postgres://user:password@localhost:5432/jumio_fallback',
  );
}
export default new DataSource(databaseOptions(url));
