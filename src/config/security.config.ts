import { SCOPES, type ApiKey, type AppConfig, type Scope } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';
import { SANDBOX_API_KEYS } from './sandbox.config.js';

type EncryptionKey = AppConfig['security']['encryptionKeys'][number];

/**
 * API_KEYS and DATA_ENCRYPTION_KEYS (with the pace of re-encryption after a key rotation: KEY_ROTATION_BATCH_SIZE
 * values per batch, one batch per KEY_ROTATION_INTERVAL_MS), both required outside the sandbox (the sandbox has a development API key;
 * main.ts gives it a generated data key). Both hold secrets: a problem names the entry by position only.
 */
export function readSecurityConfig(reader: EnvReader, mode: RuntimeMode): AppConfig['security'] {
  const outsideSandbox = !mode.sandbox;
  const apiKeys = parseApiKeys(
    reader,
    reader.required(
      'API_KEYS',
      'comma-separated name:scopes:secret, scopes joined by +, e.g. checkout:transactions:s3cr3t',
      outsideSandbox,
    ) ?? (mode.sandbox ? SANDBOX_API_KEYS : ''),
  );
  const encryptionKeys = parseEncryptionKeys(
    reader,
    reader.required('DATA_ENCRYPTION_KEYS', 'comma-separated keyId:base64key with 32-byte keys', outsideSandbox),
  );
  const keyRotation = {
    batchSize: reader.integer('KEY_ROTATION_BATCH_SIZE', 500, 1, 10_000),
    intervalMs: reader.integer('KEY_ROTATION_INTERVAL_MS', 1000, 10, 3_600_000),
  };
  return { apiKeys, encryptionKeys, keyRotation };
}

function parseApiKeys(reader: EnvReader, value: string): ApiKey[] {
  if (!value) return [];
  const keys: ApiKey[] = [];
  const names = new Set<string>();
  value.split(',').forEach((entry, index) => {
    const parts = entry.trim().split(':');
    const [name, scopeList] = parts;
    const secret = parts.slice(2).join(':');
    const scopes = (scopeList ?? '').split('+').filter(Boolean);
    if (
      parts.length < 3 ||
      !/^[A-Za-z0-9._-]{1,64}$/.test(name) ||
      secret.length < 8 ||
      scopes.length === 0 ||
      scopes.some((scope) => !SCOPES.includes(scope as Scope))
    ) {
      reader.problem(
        'API_KEYS',
        `entry ${index + 1} is not name:scopes:secret (name of letters, digits, . _ -; scopes from ${SCOPES.join('+')}; secret of at least 8 characters)`,
      );
      return;
    }
    if (names.has(name)) reader.problem('API_KEYS', `entry ${index + 1} repeats the key name "${name}"`);
    names.add(name);
    keys.push({ name, scopes: scopes as Scope[], secret });
  });
  return keys;
}

function parseEncryptionKeys(reader: EnvReader, value: string | undefined): EncryptionKey[] {
  if (value === undefined) return [];
  const keys: EncryptionKey[] = [];
  value.split(',').forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon).trim();
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (colon <= 0 || !/^[A-Za-z0-9._-]{1,32}$/.test(id) || key.length !== 32) {
      reader.problem(
        'DATA_ENCRYPTION_KEYS',
        `entry ${index + 1} is not keyId:base64key with a 32-byte key (generate one with: openssl rand -base64 32)`,
      );
      return;
    }
    keys.push({ id, key });
  });
  return keys;
}
