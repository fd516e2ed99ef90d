import { daysInMonth } from '../domain/timestamp-reader.js';

/**
 * Jumio's timestamps: `YYYY-MM-DDThh:mm:ss`, then 0 to 3 fraction digits (more are accepted and cut to
 * milliseconds), then `Z`, `+0000`, `+00:00`, `±hh:mm`, `±hhmm` or no zone at all (read as UTC, as
 * Authentication's `transactionDate` must be).
 */
const JUMIO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}|[+-]\d{4})?$/;

/** Parses a Jumio timestamp to epoch milliseconds; `null` when it is not one (or not a real instant). */
export function parseJumioTimestamp(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = JUMIO_TIMESTAMP.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] ?? '';
  const zone = m[8];
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = fraction === '' ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));

  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hh = Number(digits.slice(0, 2));
    const mm = Number(digits.slice(2, 4));
    if (hh > 23 || mm > 59) return null;
    offsetMinutes = sign * (hh * 60 + mm);
  }

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const epoch = date.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(epoch) ? epoch : null;
}

/**
 * A Jumio timestamp in the view's form: ISO-8601 UTC with `Z` and three millisecond digits
 * (`2019-05-23T14:32:27.534Z`). A value that is not a Jumio timestamp is returned unchanged (kept, not
 * dropped), as is one whose instant falls outside the years 0000 to 9999.
 */
export function normalizeTimestamp(value: unknown): unknown {
  const epoch = parseJumioTimestamp(value);
  if (epoch === null) return value;
  const date = new Date(epoch);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return value;
  return date.toISOString();
}
