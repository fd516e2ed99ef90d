import type { SimulatorRequest } from '../../src/simulator/jumio-simulator';
import { JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT } from './test-app';

/**
 * Jumio's retrieval rules, read from the simulator's request log for one transaction. Returns the broken
 * rules (an empty list when the transaction was handled by the rules), so a test can show what went wrong.
 */
const CORRUPTING_FAULTS = new Set<string>([
  'malformed',
  'truncated',
  'huge-json',
  'deep-json',
  'wrong-content-type',
  'oversize',
]);

/**
 * `finalKnownAt`: when Jumio's callback (final by definition) was sent, as Date.now(): calls from then on are
 * after the final status even without a status call, and no status call may follow it.
 */
export function ruleViolations(
  calls: SimulatorRequest[],
  options: { finalStatuses?: string[]; finalKnownAt?: number } = {},
): string[] {
  const finals = options.finalStatuses ?? ['DONE', 'FAILED', 'PASSED', 'INVALID', 'EXPIRED'];
  const problems: string[] = [];
  const firstFinal = calls.findIndex(
    (c) => c.endpoint === 'status' && c.httpStatus === 200 && finals.includes(c.jumioStatus ?? ''),
  );
  const afterFinal = (c: SimulatorRequest, i: number) =>
    (firstFinal !== -1 && i > firstFinal) || (options.finalKnownAt !== undefined && c.at >= options.finalKnownAt);
  calls.forEach((c, i) => {
    if (c.endpoint !== 'status' && !afterFinal(c, i))
      problems.push(`#${i} ${c.path}: a ${c.endpoint} call before the final status`);
    if (c.basicUser !== JUMIO_TOKEN || !c.authorized)
      problems.push(`#${i} ${c.path}: without the configured Basic credentials`);
    if (c.userAgent !== USER_AGENT) problems.push(`#${i} ${c.path}: User-Agent ${JSON.stringify(c.userAgent)}`);
    if (!c.accept) problems.push(`#${i} ${c.path}: no Accept header`);
  });
  const successes = new Map<string, number>();
  for (const c of calls) {
    // A 200 the simulator corrupted on purpose (truncated, wrong type, oversize...) is not a successful fetch.
    if (c.endpoint === 'status' || c.httpStatus !== 200 || (c.fault !== null && CORRUPTING_FAULTS.has(c.fault)))
      continue;
    const key = c.path + (c.query.maskhint ? `?maskhint=${c.query.maskhint}` : '');
    successes.set(key, (successes.get(key) ?? 0) + 1);
  }
  for (const [path, n] of successes) if (n > 1) problems.push(`${path} fetched successfully ${n} times`);
  // Deleted at Jumio (200): the transaction is gone there, nothing more may be asked of it.
  const deleted = calls.findIndex((c) => c.endpoint === 'delete' && c.httpStatus === 200);
  if (deleted !== -1 && deleted < calls.length - 1)
    problems.push(`${calls.length - 1 - deleted} call(s) after the delete at Jumio`);
  const statusAfterFinal = calls.filter((c, i) => c.endpoint === 'status' && afterFinal(c, i));
  if (statusAfterFinal.length > 0) problems.push(`${statusAfterFinal.length} status call(s) after the final status`);
  return problems;
}

export { JUMIO_SECRET };
