import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { AppConfig } from '../config/app-config.js';

export const SANDBOX_KEY_ID = 'sandbox';
export const SANDBOX_KEY_FILE = 'sandbox-data-key';

/**
 * The sandbox's data encryption key when DATA_ENCRYPTION_KEYS is not set: generated once, kept next to the
 * embedded database (`<EMBEDDED_DATABASE_DIR>/../sandbox-data-key`, i.e. `./.data/sandbox-data-key`, mode 600)
 * so that a restart still reads what earlier runs stored, and put in `config.security.encryptionKeys`. The file
 * holds one `keyId:base64key` line, the format of DATA_ENCRYPTION_KEYS (to keep reading sandbox data with keys
 * of your own, list it after them). Logs that a generated development key is in use, never the key. Returns the
 * file, or null when nothing was done (not the sandbox, or keys configured).
 */
export function useSandboxDataKey(
  config: AppConfig,
  log: (message: string) => void = defaultLog(config),
): string | null {
  if (!config.sandbox || config.security.encryptionKeys.length > 0) return null;
  const file = path.join(path.dirname(path.resolve(config.database.embeddedDir)), SANDBOX_KEY_FILE);
  const created = createOnce(file, `${SANDBOX_KEY_ID}:${randomBytes(32).toString('base64')}\n`);
  const key = readKeyFile(file);
  config.security.encryptionKeys = [key];
  log(
    `SANDBOX: personal data is encrypted at rest with a generated development key (id "${key.id}", ${created ? 'created in' : 'read from'} ${file}); ` +
      'set DATA_ENCRYPTION_KEYS to use keys of your own',
  );
  return file;
}

/** Writes the file unless it exists, atomically (a temporary file hard-linked into place): true if written. */
function createOnce(file: string, content: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file)) return false;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, content, { mode: 0o600 });
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false; // another sandbox process made it first
    throw e;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function readKeyFile(file: string): { id: string; key: Buffer } {
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const text = fs.readFileSync(file, 'utf8').trim();
  const colon = text.indexOf(':');
  const id = text.slice(0, colon);
  const key = Buffer.from(text.slice(colon + 1), 'base64');
  if (colon <= 0 || !/^[A-Za-z0-9._-]{1,32}$/.test(id) || key.length !== 32) {
    throw new Error(
      `${file} is not keyId:base64key with a 32-byte key; remove it to have a new development key generated ` +
        '(sandbox data stored under the old one will no longer be readable)',
    );
  }
  return { id, key };
}

/** The application's logger does not exist yet: a pino line of the same shape. */
function defaultLog(config: AppConfig): (message: string) => void {
  const logger = pino({ level: config.server.logLevel, base: { service: 'jumio-fallback', sandbox: true } });
  return (message) => logger.warn({ context: 'Sandbox' }, message);
}
