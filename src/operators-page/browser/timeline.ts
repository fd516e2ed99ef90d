import type { Attempt, TransactionEvent } from './api-types.js';

export type TimelineEntry = { at: string } & (
  { source: 'event'; event: TransactionEvent } | { source: 'call'; call: Attempt }
);

/**
 * One transaction's story: its events and its calls to Jumio in one list, oldest first. Both come oldest first;
 * at the same instant the calls go first, since a step's events are written with the calls that caused them.
 */
export function mergeTimeline(events: readonly TransactionEvent[], calls: readonly Attempt[]): TimelineEntry[] {
  const merged: TimelineEntry[] = [];
  let e = 0;
  let c = 0;
  while (e < events.length || c < calls.length) {
    const takeCall = c < calls.length && (e >= events.length || Date.parse(calls[c].at) <= Date.parse(events[e].at));
    if (takeCall) {
      merged.push({ at: calls[c].at, source: 'call', call: calls[c] });
      c++;
    } else {
      merged.push({ at: events[e].at, source: 'event', event: events[e] });
      e++;
    }
  }
  return merged;
}
