import type { JumioCallBase } from '../jumio-transport/jumio-call-result.js';
import type { EngineMetrics } from '../metrics/engine-metrics.js';
import type { CallType, JumioCallRecord } from '../persistence/attempt-log.js';
import type { ClaimedStep } from './claimed-step.js';

/** What the attempt log says of a first try on a stale keep-alive connection (retried at once on a fresh one). */
export const STALE_CONNECTION_OUTCOME = 'STALE_CONNECTION';

/**
 * The attempt log's records of one call, counted in the metrics: the call itself, preceded by its first try when
 * that went out on a reused connection that closed before any answer (never an attempt: Jumio did not see it).
 * The claim and the forcing admin key (null when scheduled) are on every record.
 */
export function callRecords(
  step: ClaimedStep,
  metrics: EngineMetrics,
  call: {
    callType: CallType;
    at: Date;
    res: JumioCallBase;
    outcome: string;
    countsAsAttempt: boolean;
    error: string | null;
  },
): JumioCallRecord[] {
  const { callType, at, res, outcome, countsAsAttempt, error } = call;
  const kind = step.row.kind;
  const who = { actor: step.row.forcedBy, claim: step.owner };
  const records: JumioCallRecord[] = [];
  if (res.staleConnection) {
    metrics.jumioCalls.inc({ kind, call_type: callType, outcome: STALE_CONNECTION_OUTCOME });
    records.push({
      at,
      endpoint: res.endpoint,
      callType,
      httpStatus: null,
      durationMs: res.staleConnection.durationMs,
      outcome: STALE_CONNECTION_OUTCOME,
      error: `${res.staleConnection.error}; retried at once on a fresh connection`,
      countsAsAttempt: false,
      ...who,
    });
  }
  metrics.jumioCalls.inc({ kind, call_type: callType, outcome });
  if (res.httpStatus !== null) metrics.jumioCallDuration.observe({ kind, call_type: callType }, res.durationMs / 1000);
  records.push({
    at,
    endpoint: res.endpoint,
    callType,
    httpStatus: res.httpStatus,
    durationMs: res.durationMs,
    outcome,
    error,
    countsAsAttempt,
    ...who,
  });
  return records;
}
