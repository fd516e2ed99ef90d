import {
  deletionPending,
  onDeleteAtJumioAsked,
  onDeleteFailed,
  onEverythingStored,
  onJumioDeleted,
  type JumioDeletionFields,
} from '../../../src/engine/domain/jumio-deletion';
import type { RetrievalSchedule } from '../../../src/engine/domain/retrieval-schedule';
import type { TrackingState } from '../../../src/engine/domain/states';

const DAY_MS = 86_400_000;
const schedule: RetrievalSchedule = { offsetsSeconds: [40], dailyIntervalSeconds: 86_400, maxAgeMs: 30 * DAY_MS };
const NOW = new Date('2026-11-26T10:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);
const none: JumioDeletionFields = {
  deleteAtJumio: false,
  jumioDeletionRequestedAt: null,
  jumioDeletedAt: null,
  jumioDeletionError: null,
  jumioDeletionFailures: 0,
  jumioDeletionErasure: false,
};
const wanted = { ...none, deleteAtJumio: true };
const due = { ...wanted, jumioDeletionRequestedAt: NOW };

describe('deleting at Jumio: the rules', () => {
  it('falls due when everything is stored, only when wanted, once', () => {
    expect(onEverythingStored(none, NOW)).toEqual({});
    expect(onEverythingStored(wanted, NOW)).toEqual({ jumioDeletionRequestedAt: NOW, nextAttemptAt: NOW });
    expect(onEverythingStored(due, later(5))).toEqual({});
    expect(onEverythingStored({ ...due, jumioDeletedAt: NOW }, later(5))).toEqual({});
  });

  it('is pending from when it falls due until Jumio answers 200 or 404', () => {
    expect(deletionPending(wanted)).toBe(false);
    expect(deletionPending(due)).toBe(true);
    expect(deletionPending({ ...due, jumioDeletedAt: NOW })).toBe(false);
    expect(onJumioDeleted(NOW)).toEqual({
      patch: { jumioDeletedAt: NOW, jumioDeletionError: null, jumioDeletionFailures: 0, nextAttemptAt: null },
      events: ['JUMIO_DELETED'],
    });
  });

  it('backs off from 10 s doubling to an hour, never sooner than a Retry-After (itself capped at an hour)', () => {
    const failed = (failures: number, retryAfterMs: number | null = null) =>
      onDeleteFailed(
        { ...due, jumioDeletionFailures: failures },
        { error: 'Jumio answered 500', retryAfterMs },
        NOW,
        schedule,
      );
    expect([0, 1, 2, 3, 8, 9, 30].map((n) => failed(n).nextAttemptAt!.getTime() - NOW.getTime())).toEqual([
      10_000, 20_000, 40_000, 80_000, 2_560_000, 3_600_000, 3_600_000,
    ]);
    expect(failed(0)).toEqual({
      jumioDeletionFailures: 1,
      jumioDeletionError: 'Jumio answered 500',
      nextAttemptAt: later(10_000),
    });
    expect(failed(0, 120_000).nextAttemptAt).toEqual(later(120_000));
    expect(failed(0, 10 * 3_600_000).nextAttemptAt).toEqual(later(3_600_000));
  });

  it.each([
    ['an automatic or admin delete', false, true],
    ['an erasure', true, false],
  ])('past the maximum age from when it fell due, %s gives up: %s', (_what, erasure, givesUp) => {
    const requested = new Date(NOW.getTime() - 30 * DAY_MS + 5_000);
    const patch = onDeleteFailed(
      { ...due, jumioDeletionRequestedAt: requested, jumioDeletionErasure: erasure },
      { error: 'timeout', retryAfterMs: null },
      NOW,
      schedule,
    );
    if (givesUp) {
      expect(patch).toEqual({
        jumioDeletionFailures: 1,
        jumioDeletionError: 'gave up deleting at Jumio: the maximum age passed; last failure: timeout',
        nextAttemptAt: null,
      });
    } else {
      expect(patch.nextAttemptAt).toEqual(later(10_000));
    }
  });

  it("an admin's delete-at-jumio: store-first, refused when deleted already or never found", () => {
    const row = (
      state: TrackingState,
      extra: Partial<JumioDeletionFields & { retrievedAt: Date; result: unknown; nextAttemptAt: Date }>,
    ) => ({
      ...none,
      state,
      retrievedAt: null,
      result: null,
      nextAttemptAt: null,
      ...extra,
    });
    const dueNow = { deleteAtJumio: true, jumioDeletionRequestedAt: NOW, jumioDeletionFailures: 0, nextAttemptAt: NOW };
    expect(onDeleteAtJumioAsked(row('RETRIEVED', {}), NOW)).toEqual(dueNow);
    expect(onDeleteAtJumioAsked(row('PURGED', {}), NOW)).toEqual(dueNow);
    expect(onDeleteAtJumioAsked(row('CALLBACK_RECEIVED', {}), NOW)).toEqual(dueNow);
    expect(onDeleteAtJumioAsked(row('CALLBACK_RECEIVED', { retrievedAt: NOW, result: {} }), NOW)).toEqual(dueNow);
    expect(onDeleteAtJumioAsked(row('CALLBACK_RECEIVED', { result: {} }), NOW)).toEqual({ deleteAtJumio: true });
    expect(onDeleteAtJumioAsked(row('RECONCILING', {}), NOW)).toEqual({ deleteAtJumio: true });
    expect(onDeleteAtJumioAsked(row('AWAITING_CALLBACK', {}), NOW)).toEqual({ deleteAtJumio: true });
    expect(onDeleteAtJumioAsked(row('EXHAUSTED', {}), NOW)).toEqual({ deleteAtJumio: true });
    expect(
      onDeleteAtJumioAsked(row('RETRIEVED', { jumioDeletionRequestedAt: NOW, nextAttemptAt: later(10_000) }), NOW),
    ).toBeNull();
    // Given up (nothing scheduled): asked again, it starts again.
    expect(onDeleteAtJumioAsked(row('RETRIEVED', { jumioDeletionRequestedAt: later(-DAY_MS) }), NOW)).toEqual(dueNow);
    expect(onDeleteAtJumioAsked(row('NOT_FOUND', {}), NOW)).toBe(
      'never found at Jumio: there is nothing to delete there',
    );
    expect(onDeleteAtJumioAsked(row('RETRIEVED', { jumioDeletedAt: NOW }), NOW)).toBe(
      'already deleted at Jumio (2026-11-26T10:00:00.000Z)',
    );
  });
});
