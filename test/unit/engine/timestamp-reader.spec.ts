import fc from 'fast-check';
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  readTimestamp,
  timestampProblem,
} from '../../../src/engine/domain/timestamp-reader';
import { UNREADABLE_TIMESTAMPS } from '../../support/hostile-values';

const read = (value: unknown) => {
  const r = readTimestamp(value);
  return r.ok ? r.date.toISOString() : r.problem;
};

describe('readTimestamp: RFC 3339 with a zone, within the service range', () => {
  it.each([
    ['2026-11-26T10:15:00Z', '2026-11-26T10:15:00.000Z'],
    ['2026-11-26T10:15:00.000Z', '2026-11-26T10:15:00.000Z'],
    ['2026-11-26T10:15:00.5Z', '2026-11-26T10:15:00.500Z'],
    ['2026-11-26T10:15:00.123456789Z', '2026-11-26T10:15:00.123Z'],
    ['2026-11-26t10:15:00z', '2026-11-26T10:15:00.000Z'],
    ['2026-11-26T11:15:00+01:00', '2026-11-26T10:15:00.000Z'],
    ['2026-11-26T05:45:00-04:30', '2026-11-26T10:15:00.000Z'],
    ['2026-11-26T10:15:00-00:00', '2026-11-26T10:15:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    [EARLIEST_TIMESTAMP, EARLIEST_TIMESTAMP],
    [LATEST_TIMESTAMP, LATEST_TIMESTAMP],
  ])('reads %s as %s', (value, iso) => expect(read(value)).toBe(iso));

  it.each([
    ...UNREADABLE_TIMESTAMPS,
    '+2026-11-26T10:15:00Z',
    '2026-11-26T10:15Z',
    '2026-11-26',
    '2026-11-26 10:15:00Z',
    '2026-11-26T10:15:00+0100',
    '2026-11-26T10:15:00+01',
    '2026-11-26T10:15:00.Z',
    '2026-11-26T10:15:00.1234567890Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-11-31T00:00:00Z',
    '2026-11-26T24:00:00Z',
    '2026-11-26T10:60:00Z',
    '2026-11-26T23:59:60Z',
    '2026-11-26T10:15:00+24:00',
    '2026-11-26T10:15:00+01:60',
    '２０２６-11-26T10:15:00Z',
    '2026-11-26T10:15:00Z\n',
    ' 2026-11-26T10:15:00Z',
    '2026-11-26T10:15:00\u0000Z',
    '',
  ])('refuses %j as not RFC 3339 with a zone', (value) => expect(read(value)).toBe('FORMAT'));

  it.each([1_700_000_000_000, null, undefined, {}, ['2026-11-26T10:15:00Z']])('refuses the non-string %p', (value) =>
    expect(read(value)).toBe('FORMAT'),
  );

  it.each(['1999-12-31T23:59:59.999Z', '1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2000-01-01T00:30:00+01:00'])(
    'refuses %s as before the range',
    (value) => expect(read(value)).toBe('RANGE'),
  );

  it('refuses an instant after the last four-digit year once its offset is applied', () => {
    expect(read('9999-12-31T23:59:59Z')).toBe('9999-12-31T23:59:59.000Z');
    expect(read('9999-12-31T23:59:59-00:01')).toBe('RANGE');
  });

  it('names the field and what is allowed', () => {
    expect(timestampProblem('acquiredAt', 'FORMAT')).toBe(
      'acquiredAt must be an ISO-8601 timestamp with a zone (RFC 3339), such as 2026-11-26T10:15:00.000Z',
    );
    expect(timestampProblem('receivedAt', 'RANGE')).toBe(
      'receivedAt must be from 2000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z',
    );
  });

  it('reads back every instant of the range as Date.toISOString writes it', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(EARLIEST_TIMESTAMP), max: new Date(LATEST_TIMESTAMP), noInvalidDate: true }),
        (date) => expect(read(date.toISOString())).toBe(date.toISOString()),
      ),
    );
  });

  it('whatever the string, either refuses it or gives a real instant of the range (what PostgreSQL can store)', () => {
    const near = fc
      .tuple(
        fc.integer({ min: 0, max: 10050 }),
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 0, max: 33 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('', '.1', '.999', '.123456789'),
        fc.constantFrom('Z', 'z', '+00:00', '-23:59', '+23:59', '+24:00', ''),
      )
      .map(
        ([y, mo, d, h, mi, s, f, z]) =>
          `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T` +
          `${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${f}${z}`,
      );
    fc.assert(
      fc.property(fc.oneof(near, fc.string(), fc.string({ unit: 'binary' })), (value) => {
        const r = readTimestamp(value);
        if (!r.ok) return;
        const ms = r.date.getTime();
        expect(Number.isFinite(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(Date.parse(EARLIEST_TIMESTAMP));
        expect(ms).toBeLessThanOrEqual(Date.parse(LATEST_TIMESTAMP));
        expect(Date.parse(r.date.toISOString())).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });
});
