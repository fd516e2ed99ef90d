import { EngineException } from '../engine.exception.js';

/**
 * The one reader of the timestamps callers send (acquiredAt, receivedAt, the admin search's createdFrom and
 * createdTo): RFC 3339 `date-time`, which is what OpenAPI's `format: date-time` means. Request validation and the
 * engine both read through it, so a value that validates is a value the engine can store.
 *
 * Accepted: `YYYY-MM-DDThh:mm:ss`, an optional fraction of 1 to 9 digits (cut to milliseconds), then `Z` or
 * `±hh:mm` (RFC 3339 allows `t` and `z` in lower case too). Refused: every other ISO-8601 form (week dates,
 * ordinal dates, the basic format without separators, a comma as decimal sign, reduced precision, a sign before
 * the year), a timestamp without a zone (the server's own zone would decide what it means), a leap second, and any
 * instant outside EARLIEST_TIMESTAMP .. LATEST_TIMESTAMP.
 */

/** No Jumio transaction, callback or tracked row is older: an earlier value is a caller's bug (epoch 0, a bad default). */
export const EARLIEST_TIMESTAMP = '2000-01-01T00:00:00.000Z';
/** The last instant with a four-digit year: what ISO-8601 output (`Date.toISOString`) and the view can write. */
export const LATEST_TIMESTAMP = '9999-12-31T23:59:59.999Z';

const EARLIEST_MS = Date.parse(EARLIEST_TIMESTAMP);
const LATEST_MS = Date.parse(LATEST_TIMESTAMP);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

export type TimestampReading = { ok: true; date: Date } | { ok: false; problem: 'FORMAT' | 'RANGE' };

export function readTimestamp(value: unknown): TimestampReading {
  if (typeof value !== 'string') return { ok: false, problem: 'FORMAT' };
  const m = RFC3339.exec(value);
  if (!m) return { ok: false, problem: 'FORMAT' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { ok: false, problem: 'FORMAT' };
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59)
    return { ok: false, problem: 'FORMAT' };
  const offsetMs = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const epoch = date.getTime() - offsetMs;
  if (epoch < EARLIEST_MS || epoch > LATEST_MS) return { ok: false, problem: 'RANGE' };
  return { ok: true, date: new Date(epoch) };
}

/** A timestamp a caller sent, already validated by the HTTP layer with readTimestamp; INVALID_REQUEST otherwise. */
export function readRequestTimestamp(field: string, value: string): Date {
  const reading = readTimestamp(value);
  if (!reading.ok) throw new EngineException('INVALID_REQUEST', [timestampProblem(field, reading.problem)]);
  return reading.date;
}

/** What a refused timestamp is told, naming the field. */
export function timestampProblem(field: string, problem: 'FORMAT' | 'RANGE'): string {
  return problem === 'RANGE'
    ? `${field} must be from ${EARLIEST_TIMESTAMP} to ${LATEST_TIMESTAMP}`
    : `${field} must be an ISO-8601 timestamp with a zone (RFC 3339), such as 2026-11-26T10:15:00.000Z`;
}

/** The number of days of a month (1 to 12) of a proleptic Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  const probe = new Date(0);
  probe.setUTCFullYear(year, month, 0); // day 0 of the next month: the last day of `month`
  return probe.getUTCDate();
}
