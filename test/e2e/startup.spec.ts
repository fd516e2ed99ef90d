import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** The built service (npm test builds first) refuses to start misconfigured, one line per problem. */
describe('start-up with a bad configuration', () => {
  it('SANDBOX=false without credentials, keys or encryption keys exits non-zero naming each variable', () => {
    expect(fs.existsSync(MAIN)).toBe(true);
    const env = { PATH: process.env.PATH ?? '', SANDBOX: 'false', DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' };
    const run = spawnSync(process.execPath, [MAIN], { env, encoding: 'utf8', timeout: 30000 });
    expect(run.status).not.toBe(0);
    const lines = run.stderr.trim().split('\n');
    for (const name of [
      'API_KEYS',
      'JUMIO_API_TOKEN',
      'JUMIO_API_SECRET',
      'JUMIO_USER_AGENT',
      'DATA_ENCRYPTION_KEYS',
    ]) {
      expect(lines.filter((l) => l.startsWith(`configuration error: ${name}:`))).toHaveLength(1);
    }
    expect(lines).toHaveLength(5);
  });
});
