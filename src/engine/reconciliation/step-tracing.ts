import type { Attributes } from '@opentelemetry/api';
import type {
  JumioCallFailure,
  JumioDeleteResult,
  JumioJsonResult,
  JumioMediumResult,
} from '../jumio-transport/jumio-call-result.js';
import type { CallType } from '../persistence/attempt-log.js';
import type { ClaimedTransaction } from '../persistence/transaction-claims.js';
import { SPAN_ATTRIBUTES as A, type EngineTracing } from '../tracing/engine-tracing.js';

/** What every span about a transaction carries: its kind, account and data center (never its reference). */
export function transactionAttributes(row: Pick<ClaimedTransaction, 'kind' | 'datacenter' | 'account'>): Attributes {
  return { [A.kind]: row.kind, [A.account]: row.account, [A.datacenter]: row.datacenter };
}

type CallResult = JumioJsonResult | JumioMediumResult | JumioDeleteResult | JumioCallFailure;

/**
 * A call to Jumio already under way, in a span of its own named after the call type (`jumio.status`,
 * `jumio.details`, ...), ended with its outcome (OK, or the failure: NOT_FOUND, RATE_LIMITED...) and HTTP status.
 * The endpoint attribute is the call type, never the path (which holds the reference).
 */
export function tracedJumioCall<R extends CallResult>(
  tracing: EngineTracing,
  row: Pick<ClaimedTransaction, 'kind' | 'datacenter' | 'account'>,
  callType: CallType,
  pending: Promise<R>,
  medium?: string,
): Promise<R> {
  if (!tracing.enabled) return pending;
  const attributes = {
    ...transactionAttributes(row),
    [A.endpoint]: callType,
    ...(medium ? { [A.medium]: medium } : {}),
  };
  return tracing.inSpan(`jumio.${callType}`, attributes, async (span) => {
    const result = await pending;
    span.setAttributes({
      [A.outcome]: result.ok ? 'OK' : result.failure,
      ...(result.httpStatus === null ? {} : { [A.httpStatus]: result.httpStatus }),
    });
    return result;
  });
}
