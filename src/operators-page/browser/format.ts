/** Formatting for the page: pure functions, no DOM. */

/** "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400)
    return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
  return `${Math.floor(s / 86_400)} d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)} h` : ''}`;
}

/** An account's `etaSeconds`: null while it is paused. */
export function formatEta(etaSeconds: number | null): string {
  if (etaSeconds === null) return 'paused';
  return etaSeconds <= 0 ? 'caught up' : `in ${formatDuration(etaSeconds)}`;
}

/** Calls per second over the last minute, one decimal. */
export function callsPerSecond(callsLastMinute: number): number {
  return Math.round((callsLastMinute / 60) * 10) / 10;
}

/** An ISO timestamp as `2026-11-26 10:15:00 UTC` (operators compare times across zones and with logs). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const OUTCOMES = [
  { key: 'answered', label: 'answered (2xx)' },
  { key: 'not-found', label: 'not found (404)' },
  { key: 'rate-limited', label: 'rate limited (429)' },
  { key: 'refused', label: 'other 4xx' },
  { key: 'server-error', label: 'server error (5xx)' },
  { key: 'no-answer', label: 'no answer' },
] as const;
export type Outcome = (typeof OUTCOMES)[number]['key'];

/** A call's outcome by its HTTP status (null: no answer came: timeout, reset). */
export function outcomeOf(httpStatus: number | null): Outcome {
  if (httpStatus === null) return 'no-answer';
  if (httpStatus === 404) return 'not-found';
  if (httpStatus === 429) return 'rate-limited';
  if (httpStatus >= 500) return 'server-error';
  if (httpStatus >= 400) return 'refused';
  return 'answered';
}

/** The last hour's calls, summed by the kind of call and outcome; kinds of call in a fixed order, others after. */
export function callsByTypeAndOutcome(
  calls: readonly { endpoint: string; httpStatus: number | null; count: number }[],
): { callTypes: string[]; counts: Record<Outcome, number[]> } {
  const callTypes = ['status', 'details', 'media-list', 'medium', 'delete'];
  for (const c of calls) if (!callTypes.includes(c.endpoint)) callTypes.push(c.endpoint);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o.key, callTypes.map(() => 0)])) as Record<Outcome, number[]>;
  for (const c of calls) counts[outcomeOf(c.httpStatus)][callTypes.indexOf(c.endpoint)] += c.count;
  return { callTypes, counts };
}

/** What the encryption card says under the active key: the older keys still holding values, or that none does. */
export function olderKeysLeft(encryption: { activeKeyId: string; valuesByKeyId: Record<string, number> }): string {
  const older = Object.entries(encryption.valuesByKeyId)
    .filter(([keyId, count]) => keyId !== encryption.activeKeyId && count > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  if (older.length === 0) return 'every stored value is under this key';
  return `still under older keys: ${older.map(([keyId, count]) => `${keyId} ${count}`).join(', ')}`;
}
