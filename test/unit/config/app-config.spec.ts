import { ConfigError, JUMIO_DEFAULT_SCHEDULE, loadConfig } from '../../../src/config/app-config';

const KEY = Buffer.alloc(32, 1).toString('base64');
const production = {
  SANDBOX: 'false',
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  API_KEYS: 'checkout:transactions:s3cr3t-value,ops:admin:an0ther-value',
  JUMIO_API_TOKEN: 'token',
  JUMIO_API_SECRET: 'secret',
  JUMIO_USER_AGENT: 'Acme KYC/1.0',
  DATA_ENCRYPTION_KEYS: `k1:${KEY}`,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('configuration', () => {
  it('defaults to the sandbox with no environment, with a development key and a shrunk schedule', () => {
    const c = loadConfig({});
    expect(c.sandbox).toBe(true);
    expect(c.security.apiKeys.map((k) => k.name)).toEqual(['sandbox', 'sandbox-backend']);
    expect(c.reconciler.scheduleSeconds[9]).toBeLessThan(60);
    expect(c.database.url).toBeUndefined();
  });

  it("uses Jumio's defaults outside the sandbox", () => {
    const c = loadConfig(production);
    expect(c.reconciler).toMatchObject({
      scheduleSeconds: JUMIO_DEFAULT_SCHEDULE,
      dailyIntervalSeconds: 86400,
      maxAgeDays: 30,
      callbackGraceSeconds: 300,
      leaseSeconds: 60,
    });
    expect(c.jumio).toMatchObject({
      rateLimitPerSecond: 12,
      maxInFlight: 8,
      timeoutMs: 10000,
      maxMediaBytes: 15728640,
      defaultDatacenter: 'US',
    });
    expect(c.jumio.baseUrls.EU).toEqual({
      scans: 'https://lon.netverify.com',
      documents: 'https://retrieval.lon.netverify.com',
    });
    expect(c.retention).toEqual({ personalDataDays: 90, deleteAtJumioAfterRetrieval: false });
    expect(c.security.keyRotation).toEqual({ batchSize: 500, intervalMs: 1000 });
    expect(c.server).toMatchObject({ headersTimeoutMs: 10000, requestTimeoutMs: 30000, maxConnections: 1000 });
  });

  it('outside the sandbox, names every missing variable on a line of its own', () => {
    const problems = problemsOf({ SANDBOX: 'false' });
    for (const name of ['API_KEYS', 'JUMIO_ACCOUNTS', 'JUMIO_USER_AGENT', 'DATA_ENCRYPTION_KEYS']) {
      expect(problems.filter((p) => p.startsWith(`${name}:`))).toHaveLength(1);
    }
    expect(problems).toHaveLength(4);
  });

  it.each([
    ['PORT', 'abc', 'whole number'],
    ['PORT', '70000', 'from 0 to 65535'],
    ['LOG_LEVEL', 'loud', 'one of fatal'],
    ['JUMIO_DEFAULT_DATACENTER', 'MARS', 'US, EU, SGP'],
    ['RETRIEVAL_SCHEDULE_SECONDS', '40,30', 'strictly increasing'],
    ['RETRIEVAL_SCHEDULE_SECONDS', '1,2,3,4,5,6,7,8,9,10,11', '1 to 10'],
    ['RETRIEVAL_SCHEDULE_SECONDS', '0,5', 'positive'],
    ['RETRIEVAL_DAILY_INTERVAL_SECONDS', '0', 'from 1'],
    ['RETRIEVAL_MAX_AGE_DAYS', '-1', 'positive number'],
    ['JUMIO_RATE_LIMIT_PER_SECOND', '0', 'from 1'],
    ['CALLBACK_GRACE_SECONDS', '90000', 'to 86400'],
    ['JUMIO_US_BASE_URL', 'http://netverify.com', 'https://'],
    ['JUMIO_US_BASE_URL', 'https://netverify.com/api', 'without path'],
    ['JUMIO_EU_DOCUMENTS_BASE_URL', 'not a url', 'base URL'],
    ['API_KEYS', 'only-a-name', 'name:scopes:secret'],
    ['API_KEYS', 'a:superuser:longsecret', 'name:scopes:secret'],
    ['DATA_ENCRYPTION_KEYS', 'k1:c2hvcnQ=', '32-byte'],
    ['CALLBACK_ALLOWED_SOURCES', '10.0.0.0/99', 'CIDR'],
    ['MIGRATIONS_RUN', 'maybe', 'true or false'],
    ['DATABASE_URL', 'mysql://x', 'PostgreSQL connection string'],
    ['HTTP_HEADERS_TIMEOUT_MS', '100', 'from 500 to 300000'],
    ['HTTP_HEADERS_TIMEOUT_MS', '40000', 'not be more than HTTP_REQUEST_TIMEOUT_MS'],
    ['HTTP_REQUEST_TIMEOUT_MS', 'forever', 'whole number'],
    ['HTTP_MAX_CONNECTIONS', '0', 'from 1'],
    ['KEY_ROTATION_BATCH_SIZE', '0', 'from 1 to 10000'],
    ['KEY_ROTATION_INTERVAL_MS', '5', 'from 10 to 3600000'],
  ])('rejects %s=%s, saying what it accepts', (name, value, accepts) => {
    const problems = problemsOf({ ...production, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: .*${accepts.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('never echoes a value in a problem (some are secrets)', () => {
    const problems = problemsOf({
      ...production,
      API_KEYS: 'x:admin:short',
      JUMIO_US_BASE_URL: 'http://secret-host.example',
    });
    expect(problems.join('\n')).not.toMatch(/short|secret-host/);
  });

  it('accepts small time settings on purpose (tests and demos shrink them)', () => {
    const c = loadConfig({
      ...production,
      RETRIEVAL_SCHEDULE_SECONDS: '1,2,3',
      RETRIEVAL_DAILY_INTERVAL_SECONDS: '6',
      RETRIEVAL_MAX_AGE_DAYS: '0.001',
    });
    expect(c.reconciler).toMatchObject({ scheduleSeconds: [1, 2, 3], dailyIntervalSeconds: 6, maxAgeDays: 0.001 });
  });

  it('refuses the sandbox in production and the embedded database in production', () => {
    expect(problemsOf({ NODE_ENV: 'production', SANDBOX: 'true' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SANDBOX: /)]),
    );
    const { DATABASE_URL: _, ...noDatabase } = production;
    expect(problemsOf({ ...noDatabase, NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^DATABASE_URL: is required/),
    ]);
  });

  it('allows http:// base URLs outside the sandbox only with JUMIO_ALLOW_INSECURE_HTTP', () => {
    const c = loadConfig({
      ...production,
      JUMIO_ALLOW_INSECURE_HTTP: 'true',
      JUMIO_US_BASE_URL: 'http://127.0.0.1:8099',
    });
    expect(c.jumio.baseUrls.US.scans).toBe('http://127.0.0.1:8099');
  });
});
