import {
  callsByTypeAndOutcome,
  olderKeysLeft,
  formatDuration,
  formatEta,
  callsPerSecond,
  outcomeOf,
} from '../../../src/operators-page/browser/format';
import { mergeTimeline } from '../../../src/operators-page/browser/timeline';

const call = (at: string, callType: string) => ({
  at,
  endpoint: `/api/netverify/v2/scans/x/${callType}`,
  callType,
  httpStatus: 200,
  durationMs: 5,
  outcome: 'STORED',
  error: null,
  countsAsAttempt: false,
  actor: null,
});
const event = (at: string, type: string) => ({ id: type, type, at });

describe("operators' page: the timeline", () => {
  it('merges events and calls oldest first; at the same instant the calls come before the events they caused', () => {
    const merged = mergeTimeline(
      [
        event('2026-11-26T10:00:00.000Z', 'TRACKED'),
        event('2026-11-26T10:00:40.000Z', 'CALLBACK_MISSED'),
        event('2026-11-26T10:01:00.000Z', 'RETRIEVED'),
      ],
      [
        call('2026-11-26T10:00:40.000Z', 'status'),
        call('2026-11-26T10:01:00.000Z', 'status'),
        call('2026-11-26T10:01:00.000Z', 'details'),
      ],
    );
    expect(merged.map((e) => (e.source === 'event' ? e.event.type : e.call.callType))).toEqual([
      'TRACKED',
      'status',
      'CALLBACK_MISSED',
      'status',
      'details',
      'RETRIEVED',
    ]);
  });

  it('keeps either list whole when the other is empty, and compares instants, not strings', () => {
    expect(mergeTimeline([], [])).toEqual([]);
    expect(mergeTimeline([event('2026-11-26T10:00:00Z', 'TRACKED')], []).map((e) => e.source)).toEqual(['event']);
    const merged = mergeTimeline(
      [event('2026-11-26T10:00:00.500Z', 'TRACKED')],
      [call('2026-11-26T10:00:00Z', 'status')],
    );
    expect(merged.map((e) => e.source)).toEqual(['call', 'event']);
  });
});

describe("operators' page: formatting", () => {
  it('outcomes by HTTP status, and the last hour summed by kind of call and outcome', () => {
    expect([200, 404, 429, 403, 503, null].map(outcomeOf)).toEqual([
      'answered',
      'not-found',
      'rate-limited',
      'refused',
      'server-error',
      'no-answer',
    ]);
    const { callTypes, counts } = callsByTypeAndOutcome([
      { endpoint: 'status', httpStatus: 200, count: 5 },
      { endpoint: 'status', httpStatus: 200, count: 2 },
      { endpoint: 'status', httpStatus: 429, count: 1 },
      { endpoint: 'medium', httpStatus: null, count: 3 },
      { endpoint: 'delete', httpStatus: 200, count: 4 },
    ]);
    expect(callTypes).toEqual(['status', 'details', 'media-list', 'medium', 'delete']);
    expect(counts.answered).toEqual([7, 0, 0, 0, 4]);
    expect(counts['rate-limited']).toEqual([1, 0, 0, 0, 0]);
    expect(counts['no-answer']).toEqual([0, 0, 0, 3, 0]);
  });

  it('durations, ETAs and paces as an operator reads them', () => {
    expect([0, 45, 60, 200, 3600, 7500, 90_000].map(formatDuration)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '3 min 20 s',
      '1 h',
      '2 h 5 min',
      '1 d 1 h',
    ]);
    expect([null, 0, 125].map(formatEta)).toEqual(['paused', 'caught up', 'in 2 min 5 s']);
    expect([0, 60, 100, 720].map(callsPerSecond)).toEqual([0, 1, 1.7, 12]);
  });

  it('says which older keys still encrypt values, or that none does', () => {
    expect(olderKeysLeft({ activeKeyId: 'k2', valuesByKeyId: { k2: 10, k1: 0 } })).toBe(
      'every stored value is under this key',
    );
    expect(olderKeysLeft({ activeKeyId: 'k3', valuesByKeyId: { k3: 1, k2: 4, k1: 12 } })).toBe(
      'still under older keys: k1 12, k2 4',
    );
  });
});
