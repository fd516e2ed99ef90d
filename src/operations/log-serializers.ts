/**
 * What of an error and of a request reaches a log line. Only what is known not to be personal: an error's type,
 * code, stack and message (with the values that databases and parsers quote cut out), a database error's table,
 * column, constraint and statement text, never the statement's parameters, the row it failed on or anything else
 * an error object carries (TypeORM's `parameters`, PostgreSQL's `detail` and `where`, an HTTP client's request and
 * response); a request's method and its path with only the segments the routes themselves are made of.
 */

/** Fields of an error that hold no request or payload value (the statement text is the code's own SQL). */
const KEPT_ERROR_FIELDS = [
  'code',
  'errno',
  'syscall',
  'status',
  'statusCode',
  'severity',
  'routine',
  'table',
  'column',
  'constraint',
  'schema',
  'dataType',
];

const MAX_QUERY_CHARS = 2000;
const MAX_CAUSE_DEPTH = 3;

type ErrorLike = { message?: unknown; stack?: unknown; [key: string]: unknown };

/** pino's `err` serializer: the error's safe fields, its cause the same way. */
export function serializeError(err: unknown, depth = 0): unknown {
  if (typeof err !== 'object' || err === null) return err;
  // pino-http hands over pino's own serialization of the error, which keeps the original as `raw`.
  const raw = (err as ErrorLike).raw;
  const e = (typeof raw === 'object' && raw !== null ? raw : err) as ErrorLike;
  const database = isDatabaseError(e);
  const message = typeof e.message === 'string' ? e.message : '';
  const safeMessage = scrubMessage(message, database);
  const out: Record<string, unknown> = {
    type: typeNameOf(e),
    message: safeMessage,
  };
  if (typeof e.stack === 'string') out.stack = message ? e.stack.split(message).join(safeMessage) : e.stack;
  for (const field of KEPT_ERROR_FIELDS) {
    const value = e[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = value;
  }
  if (typeof e.query === 'string') out.query = e.query.slice(0, MAX_QUERY_CHARS);
  const driverError = e.driverError;
  if (driverError && typeof driverError === 'object') {
    for (const field of KEPT_ERROR_FIELDS) {
      const value = (driverError as ErrorLike)[field];
      if (out[field] === undefined && (typeof value === 'string' || typeof value === 'number')) out[field] = value;
    }
  }
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

function typeNameOf(e: ErrorLike): string {
  if (!(e instanceof Error) && typeof e.type === 'string') return e.type;
  return e.constructor?.name ?? 'Error';
}

/** TypeORM's QueryFailedError, pg's DatabaseError, or anything carrying a statement or its parameters. */
function isDatabaseError(e: ErrorLike): boolean {
  const name = typeNameOf(e);
  return (
    name === 'QueryFailedError' || name === 'DatabaseError' || 'query' in e || 'parameters' in e || 'driverError' in e
  );
}

/**
 * PostgreSQL puts the offending value after a colon (`invalid input syntax for type uuid: "…"`, `invalid byte
 * sequence for encoding "UTF8": 0x00`); JSON.parse and others quote it (`Unexpected token … "…" is not valid
 * JSON`). What follows a database message's first colon goes, and everything from the first to the last double quote
 * of any other message.
 */
export function scrubMessage(message: string, database: boolean): string {
  if (database) {
    const colon = message.indexOf(': ');
    return colon === -1 ? message : `${message.slice(0, colon)}: [value not logged]`;
  }
  // Greedy, from the first quote to the last: a quoted JSON excerpt holds quotes of its own.
  return message.replace(/"[\s\S]*"/, '"[value not logged]"');
}

/** The words the service's own paths are made of; any other segment is a caller's value. */
const PATH_WORDS = new Set([
  'v1',
  'id-verifications',
  'document-verifications',
  'authentications',
  'callback',
  'callbacks',
  'jumio',
  'media',
  'events',
  'admin',
  'transactions',
  'attempts',
  'reconcile',
  'personal-data',
  'stats',
  'health',
  'live',
  'ready',
  'metrics',
  'docs',
  'openapi.json',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Medium names of the contract (front, back, face, facemap, original, liveness-<n>, page-<classifier>). */
const MEDIUM_NAME = /^(front|back|face|facemap|original|liveness-\d{1,4}|page-[a-z0-9]{1,16})$/i;
const MAX_PATH_CHARS = 300;

/**
 * A request's path for the log: references (UUIDs), the routes' own words and medium names as sent, every other
 * segment replaced by `:value` (a caller may put anything in a path, a customer's name included). No query string.
 */
export function loggablePath(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  return path
    .split('/')
    .map((segment) =>
      segment === '' || PATH_WORDS.has(segment.toLowerCase()) || UUID.test(segment) || MEDIUM_NAME.test(segment)
        ? segment
        : ':value',
    )
    .join('/')
    .slice(0, MAX_PATH_CHARS);
}
