import { Client } from 'pg';

/** Where each failed try is reported: the start-up's JSON logger (pino), or a fake in tests. */
export interface DatabaseWaitLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface DatabaseWaitOptions {
  /** DATABASE_URL; it carries a password, so it is never logged, only its host and port. */
  url: string;
  /** DATABASE_STARTUP_WAIT_SECONDS: how long to keep trying; 0 tries once. */
  waitSeconds: number;
  log: DatabaseWaitLog;
  retryDelayMs?: number;
  /** One connection attempt within a timeout; tests replace it, and the clock and the pause below. */
  connect?: (url: string, timeoutMs: number) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY_DELAY_MS = 2000;
const MAX_CONNECT_TIMEOUT_MS = 5000;
const MIN_CONNECT_TIMEOUT_MS = 1000;

interface UnreachableFields {
  variable: 'DATABASE_URL';
  target: string;
  attempts: number;
  waitSeconds: number;
  error: string;
}

/** The database stayed unreachable for the whole wait; its message is the start-up's last (fatal) line. */
export class DatabaseUnreachableError extends Error {
  constructor(readonly fields: UnreachableFields) {
    super(unreachableMessage(fields));
    this.name = 'DatabaseUnreachableError';
  }
}

function unreachableMessage({ target, attempts, waitSeconds, error }: UnreachableFields): string {
  const tries = `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
  return (
    `DATABASE_URL: no PostgreSQL answered at ${target} within ${waitSeconds} s (${tries}; ` +
    `DATABASE_STARTUP_WAIT_SECONDS sets the wait); last error: ${error}. ` +
    'Check DATABASE_URL and that the database accepts connections from this host.'
  );
}

/**
 * Waits, before the application starts, until PostgreSQL at DATABASE_URL accepts a connection: replicas may
 * start before their database. Each failed try is one warn line naming the variable and host:port; when the
 * wait is over, DatabaseUnreachableError. Done here rather than by TypeORM's retries, whose lines Nest holds
 * back until the application is up or has given up: a minute of silence, then all of them at once.
 */
export async function waitForDatabase(options: DatabaseWaitOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const connect = options.connect ?? connectOnce;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const target = databaseTarget(options.url);
  const deadline = now() + options.waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    const connectTimeoutMs = Math.min(MAX_CONNECT_TIMEOUT_MS, Math.max(MIN_CONNECT_TIMEOUT_MS, deadline - now()));
    try {
      await connect(options.url, connectTimeoutMs);
      return;
    } catch (thrown) {
      const error = withoutSecrets(describeError(thrown), options.url);
      const remainingMs = deadline - now();
      if (remainingMs <= 0) {
        throw new DatabaseUnreachableError({
          variable: 'DATABASE_URL',
          target,
          attempts: attempt,
          waitSeconds: options.waitSeconds,
          error,
        });
      }
      const delayMs = Math.min(retryDelayMs, remainingMs);
      options.log.warn(
        { variable: 'DATABASE_URL', target, attempt, error, retryInMs: delayMs },
        `DATABASE_URL: PostgreSQL at ${target} is not reachable (${error}); attempt ${attempt}, ` +
          `trying again in ${Math.ceil(delayMs / 1000)} s, giving up in ${Math.ceil(remainingMs / 1000)} s`,
      );
      await sleep(delayMs);
    }
  }
}

/** `host:port` of a connection string as pg reads it (a `host` or `port` query parameter wins), without credentials. */
export function databaseTarget(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an address that cannot be parsed';
  }
  const host = parsed.searchParams.get('host') || parsed.hostname || 'localhost';
  const port = parsed.searchParams.get('port') || parsed.port || '5432';
  return `${host}:${port}`;
}

/** The driver's message; a connection refused on every address of a name (AggregateError) has none, only a code. */
function describeError(thrown: unknown): string {
  if (!(thrown instanceof Error)) return String(thrown);
  return thrown.message || (thrown as NodeJS.ErrnoException).code || thrown.name;
}

/**
 * A driver message with the URL or its password in it (none is known to do so) loses them. A password shorter
 * than 4 characters is removed only as part of the URL or its user:password@ (alone, it would garble the text).
 */
function withoutSecrets(message: string, url: string): string {
  const secrets = [url];
  try {
    const { username, password } = new URL(url);
    if (password) secrets.push(`${username}:${password}@`);
    if (password.length >= 4) secrets.push(password, decodeURIComponent(password));
  } catch {
    // an unparsable URL: only the whole of it is removed
  }
  return secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

async function connectOnce(url: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A socket error after a failed connect must not become an uncaught 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (thrown) {
    void client.end().catch(() => undefined);
    throw thrown;
  }
  await client.end();
}
