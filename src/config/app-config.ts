import ipaddr from 'ipaddr.js';
import { DATACENTERS, type Datacenter } from '../common/kinds.js';
import { EnvReader } from './env-reader.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const SCOPES = ['transactions', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  name: string;
  scopes: Scope[];
  secret: string;
}

/** Jumio's hosts (retrieval-rules.md, "Where Jumio is"). */
export const JUMIO_DEFAULT_HOSTS: Record<Datacenter, { scans: string; documents: string }> = {
  US: { scans: 'https://netverify.com', documents: 'https://retrieval.netverify.com' },
  EU: { scans: 'https://lon.netverify.com', documents: 'https://retrieval.lon.netverify.com' },
  SGP: { scans: 'https://core-sgp.jumio.com', documents: 'https://retrieval.core-sgp.jumio.com' },
};

/**
 * Jumio's published callback source addresses per data center (jumio-facts.md, section 7): the Netverify guide's
 * list, plus the addresses its current KYX page lists (US, SGP) and those published for callback.lon.jumio.com
 * in 2019 (EU), since Jumio has moved them before and a refused callback is not sent again. The addresses retired
 * around 2017 are left out: they may belong to someone else now. CALLBACK_ALLOWED_SOURCES replaces the lot.
 */
export const JUMIO_CALLBACK_SOURCES: Record<Datacenter, string[]> = {
  US: [
    '34.202.241.227',
    '34.226.103.119',
    '34.226.254.127',
    '52.52.51.178',
    '52.53.95.123',
    '54.67.101.173',
    '52.8.136.236',
    '54.177.61.57',
    '54.183.15.212',
  ],
  EU: [
    '34.253.41.236',
    '35.157.27.193',
    '52.48.0.25',
    '52.57.194.92',
    '52.58.113.86',
    '52.209.180.134',
    '52.214.231.47',
    '34.253.150.171',
    '52.31.217.22',
    '34.252.8.98',
    '52.213.162.172',
    '34.251.97.146',
    '54.72.230.95',
    '52.213.194.188',
    '34.252.224.190',
  ],
  SGP: ['3.0.109.121', '52.76.184.73', '52.77.102.92', '13.238.100.17', '13.238.203.238', '52.64.132.26'],
};

export const JUMIO_DEFAULT_SCHEDULE = [40, 60, 100, 160, 240, 340, 460, 600, 760, 940];

/**
 * The sandbox shrinks time so the README's walk-through finishes in well under a minute; every value can
 * still be overridden by its variable.
 */
export const SANDBOX_TIME_DEFAULTS = {
  callbackGraceSeconds: 5,
  schedule: [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
  dailyIntervalSeconds: 30,
  maxAgeDays: 0.01,
};

/** The development key the sandbox accepts when API_KEYS is not set (README, "Sandbox"). */
export const SANDBOX_API_KEYS = 'sandbox:admin:sandbox-admin-key,sandbox-backend:transactions:sandbox-backend-key';
export const SANDBOX_JUMIO_CREDENTIALS = { token: 'sandbox-token', secret: 'sandbox-secret' };

export interface AppConfig {
  nodeEnv: string;
  sandbox: boolean;
  /** Port of the in-process simulator in the sandbox; 0 picks a free one. */
  sandboxSimulatorPort: number;
  server: { port: number; logLevel: LogLevel; shutdownTimeoutMs: number };
  database: { url: string | undefined; migrationsRun: boolean; embeddedDir: string; embeddedPort: number };
  security: { apiKeys: ApiKey[]; encryptionKeys: { id: string; key: Buffer }[] };
  jumio: {
    apiToken: string;
    apiSecret: string;
    userAgent: string;
    defaultDatacenter: Datacenter;
    /** Filled with the in-process simulator's URL in the sandbox. */
    baseUrls: Record<Datacenter, { scans: string; documents: string }>;
    allowInsecureHttp: boolean;
    rateLimitPerSecond: number;
    maxInFlight: number;
    timeoutMs: number;
    unmaskedCardImages: boolean;
    maxMediaBytes: number;
    /** After a 429, every replica pauses that data center for Retry-After, at most this long (0: no pause). */
    rateLimitedPauseMaxSeconds: number;
  };
  reconciler: {
    callbackGraceSeconds: number;
    scheduleSeconds: number[];
    dailyIntervalSeconds: number;
    maxAgeDays: number;
    leaseSeconds: number;
    pollIntervalMs: number;
    enabled: boolean;
  };
  retention: { personalDataDays: number };
  callbacks: { allowedSources: string[]; trustedProxies: string[] };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds and validates the whole configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const sandbox = r.boolean('SANDBOX', !production);
  if (production && sandbox) r.problem('SANDBOX', 'must be false when NODE_ENV=production');
  const outside = !sandbox;

  const server = {
    port: r.integer('PORT', 3000, 0, 65535),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: r.integer('SHUTDOWN_TIMEOUT_MS', 15000, 0, 600000),
  };

  const databaseUrl = r.raw('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    r.problem('DATABASE_URL', 'accepts a PostgreSQL connection string postgres://user:password@host:port/database');
  }
  if (databaseUrl === undefined && production) {
    r.problem(
      'DATABASE_URL',
      'is required with NODE_ENV=production (the embedded PostgreSQL is for the sandbox and development only)',
    );
  }
  const database = {
    url: databaseUrl,
    migrationsRun: r.boolean('MIGRATIONS_RUN', true),
    embeddedDir: r.string('EMBEDDED_DATABASE_DIR', './.data/pg'),
    embeddedPort: r.integer('EMBEDDED_DATABASE_PORT', 54329, 1, 65535),
  };

  const apiKeys = parseApiKeys(
    r,
    r.required(
      'API_KEYS',
      'comma-separated name:scopes:secret, scopes joined by +, e.g. checkout:transactions:s3cr3t',
      outside,
    ) ?? (sandbox ? SANDBOX_API_KEYS : ''),
  );
  const encryptionKeys = parseEncryptionKeys(
    r,
    r.required('DATA_ENCRYPTION_KEYS', 'comma-separated keyId:base64key with 32-byte keys', outside),
  );

  const token = r.required('JUMIO_API_TOKEN', 'the Retrieval API token from the Customer Portal', outside);
  const secret = r.required('JUMIO_API_SECRET', 'the Retrieval API secret from the Customer Portal', outside);
  const userAgent = r.required(
    'JUMIO_USER_AGENT',
    'a User-Agent naming your business and app, e.g. "Acme KYC/1.0"',
    outside,
  );
  if (userAgent !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(userAgent)) {
    r.problem('JUMIO_USER_AGENT', 'accepts printable ASCII, up to 200 characters, e.g. "Acme KYC/1.0"');
  }
  const allowInsecureHttp = r.boolean('JUMIO_ALLOW_INSECURE_HTTP', false);
  const baseUrls = {} as AppConfig['jumio']['baseUrls'];
  for (const dc of DATACENTERS) {
    baseUrls[dc] = {
      scans: readBaseUrl(r, `JUMIO_${dc}_BASE_URL`, JUMIO_DEFAULT_HOSTS[dc].scans, sandbox || allowInsecureHttp),
      documents: readBaseUrl(
        r,
        `JUMIO_${dc}_DOCUMENTS_BASE_URL`,
        JUMIO_DEFAULT_HOSTS[dc].documents,
        sandbox || allowInsecureHttp,
      ),
    };
  }
  const jumio = {
    apiToken: token ?? SANDBOX_JUMIO_CREDENTIALS.token,
    apiSecret: secret ?? SANDBOX_JUMIO_CREDENTIALS.secret,
    userAgent: userAgent ?? 'jumio-fallback sandbox/0.1',
    defaultDatacenter: r.oneOf('JUMIO_DEFAULT_DATACENTER', DATACENTERS, 'US'),
    baseUrls,
    allowInsecureHttp,
    rateLimitPerSecond: r.integer('JUMIO_RATE_LIMIT_PER_SECOND', 12, 1, 100000),
    maxInFlight: r.integer('JUMIO_MAX_IN_FLIGHT', 8, 1, 1000),
    timeoutMs: r.integer('JUMIO_TIMEOUT_MS', 10000, 100, 300000),
    unmaskedCardImages: r.boolean('JUMIO_UNMASKED_CARD_IMAGES', false),
    maxMediaBytes: r.integer('JUMIO_MAX_MEDIA_BYTES', 15 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    rateLimitedPauseMaxSeconds: r.integer('JUMIO_429_PAUSE_MAX_SECONDS', 60, 0, 3600),
  };

  const reconciler = {
    callbackGraceSeconds: r.integer(
      'CALLBACK_GRACE_SECONDS',
      sandbox ? SANDBOX_TIME_DEFAULTS.callbackGraceSeconds : 300,
      0,
      86400,
    ),
    scheduleSeconds: readSchedule(r, sandbox ? SANDBOX_TIME_DEFAULTS.schedule : JUMIO_DEFAULT_SCHEDULE),
    dailyIntervalSeconds: r.integer(
      'RETRIEVAL_DAILY_INTERVAL_SECONDS',
      sandbox ? SANDBOX_TIME_DEFAULTS.dailyIntervalSeconds : 86400,
      1,
      10 * 365 * 86400,
    ),
    maxAgeDays: r.positiveNumber(
      'RETRIEVAL_MAX_AGE_DAYS',
      sandbox ? SANDBOX_TIME_DEFAULTS.maxAgeDays : 30,
      'days, fractions allowed',
    ),
    leaseSeconds: r.integer('RECONCILER_LEASE_SECONDS', 60, 1, 3600),
    pollIntervalMs: r.integer('RECONCILER_POLL_INTERVAL_MS', 250, 10, 60000),
    enabled: r.boolean('RECONCILER_ENABLED', true),
  };

  const retention = { personalDataDays: r.integer('PERSONAL_DATA_RETENTION_DAYS', 90, 0, 36500) };
  const callbacks = {
    allowedSources: readAddressList(
      r,
      'CALLBACK_ALLOWED_SOURCES',
      sandbox ? ['127.0.0.1/32', '::1/128'] : DATACENTERS.flatMap((dc) => JUMIO_CALLBACK_SOURCES[dc]),
    ),
    trustedProxies: readAddressList(r, 'TRUSTED_PROXIES', []),
  };

  const sandboxSimulatorPort = r.integer('SANDBOX_SIMULATOR_PORT', 0, 0, 65535);

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return {
    nodeEnv,
    sandbox,
    sandboxSimulatorPort,
    server,
    database,
    security: { apiKeys, encryptionKeys },
    jumio,
    reconciler,
    retention,
    callbacks,
  };
}

function parseApiKeys(r: EnvReader, value: string): ApiKey[] {
  if (!value) return [];
  const keys: ApiKey[] = [];
  const names = new Set<string>();
  value.split(',').forEach((entry, i) => {
    const parts = entry.trim().split(':');
    const [name, scopeList] = parts;
    const secret = parts.slice(2).join(':');
    const scopes = (scopeList ?? '').split('+').filter(Boolean);
    if (
      parts.length < 3 ||
      !/^[A-Za-z0-9._-]{1,64}$/.test(name) ||
      secret.length < 8 ||
      scopes.length === 0 ||
      scopes.some((s) => !SCOPES.includes(s as Scope))
    ) {
      r.problem(
        'API_KEYS',
        `entry ${i + 1} is not name:scopes:secret (name of letters, digits, . _ -; scopes from ${SCOPES.join('+')}; secret of at least 8 characters)`,
      );
      return;
    }
    if (names.has(name)) r.problem('API_KEYS', `entry ${i + 1} repeats the key name "${name}"`);
    names.add(name);
    keys.push({ name, scopes: scopes as Scope[], secret });
  });
  return keys;
}

function parseEncryptionKeys(r: EnvReader, value: string | undefined): { id: string; key: Buffer }[] {
  if (value === undefined) return [];
  const keys: { id: string; key: Buffer }[] = [];
  value.split(',').forEach((entry, i) => {
    const idx = entry.indexOf(':');
    const id = entry.slice(0, idx).trim();
    const key = Buffer.from(entry.slice(idx + 1).trim(), 'base64');
    if (idx <= 0 || !/^[A-Za-z0-9._-]{1,32}$/.test(id) || key.length !== 32) {
      r.problem(
        'DATA_ENCRYPTION_KEYS',
        `entry ${i + 1} is not keyId:base64key with a 32-byte key (generate one with: openssl rand -base64 32)`,
      );
      return;
    }
    keys.push({ id, key });
  });
  return keys;
}

function readBaseUrl(r: EnvReader, name: string, fallback: string, allowHttp: boolean): string {
  const value = r.raw(name);
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    r.problem(name, 'accepts a base URL scheme://host[:port], e.g. https://netverify.com');
    return fallback;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    r.problem(
      name,
      'accepts scheme://host[:port] only, without path, query or credentials (the service appends /api/netverify/v2/...)',
    );
    return fallback;
  }
  if (url.protocol === 'http:' && !allowHttp) {
    r.problem(
      name,
      'must use https:// outside the sandbox (set JUMIO_ALLOW_INSECURE_HTTP=true only for a test rig on loopback)',
    );
    return fallback;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    r.problem(name, 'accepts an https:// URL');
    return fallback;
  }
  return url.origin;
}

function readSchedule(r: EnvReader, fallback: number[]): number[] {
  const value = r.raw('RETRIEVAL_SCHEDULE_SECONDS');
  if (value === undefined) return fallback;
  const parts = value.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  const valid =
    parts.length >= 1 &&
    parts.length <= 10 &&
    parts.every((p) => /^\d+$/.test(p)) &&
    numbers.every((n, i) => n > 0 && (i === 0 || n > numbers[i - 1]));
  if (!valid) {
    r.problem(
      'RETRIEVAL_SCHEDULE_SECONDS',
      'accepts 1 to 10 strictly increasing positive whole numbers of seconds, comma-separated, e.g. 40,60,100',
    );
    return fallback;
  }
  return numbers;
}

function readAddressList(r: EnvReader, name: string, fallback: string[]): string[] {
  const value = r.raw(name);
  if (value === undefined) return fallback;
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const ok = entry.includes('/') ? safe(() => ipaddr.parseCIDR(entry)) : ipaddr.isValid(entry);
    if (!ok) {
      r.problem(name, 'accepts comma-separated IP addresses and CIDR ranges, e.g. 34.202.241.227,10.0.0.0/8');
      return fallback;
    }
  }
  return entries;
}

function safe(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}
