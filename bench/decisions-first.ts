/**
 * Benchmark 7 (issue 17, "decisions first"): a backlog of ID Verification transactions whose callbacks were missed,
 * final at their first status poll with every medium (references ending in `0`: APPROVED_VERIFIED, front, back,
 * face, 2 liveness, facemap: 9 calls = status + data + images list + 6 media), drained at the ceiling by 1..n
 * service processes. What a backend waits for is the decision (status + data: 2 calls); the benchmark measures
 * when each transaction's data call reached the simulator, when the last medium did, and, for one transaction
 * tracked half-way through the drain, the time from its being due to its decision.
 *
 * The backlog is bulk-inserted in SQL like bench/drain.ts (AWAITING_CALLBACK, callback_deadline = next_attempt_at
 * = now, a TRACKED event each) once every replica is ready; times come from the simulator's request log.
 */
import type { Server } from './lib/support.js';
import {
  arrivalWindows,
  type ArrivalWindows,
  byReference,
  createDatabase,
  log,
  quantile,
  ServiceProcess,
  SimulatorProcess,
  sleep,
  statesOf,
  withClient,
} from './lib/support.js';

export const CALLS_PER_TRANSACTION = 9;
export const CALLS_PER_DECISION = 2;

export interface DecisionsOptions {
  label: string;
  transactions: number;
  replicas: number;
  ratePerSecond: number;
}

export interface DecisionsResult extends ArrivalWindows {
  setup: string;
  transactions: number;
  replicas: number;
  ratePerSecond: number;
  calls: number;
  callsAboveMinimum: number;
  transactionsNotDone: number;
  /** Seconds from the backlog's being due to each transaction's data call (its decision). */
  decisionS: { p50: number; p90: number; max: number };
  /** The ceiling's own limit for the 90th percentile: 0.9 x transactions x 2 calls / ceiling. */
  decisionP90LimitS: number;
  lastMediumS: number;
  /** transactions x 9 calls / ceiling. */
  lastMediumLimitS: number;
  /** The transaction tracked half-way: seconds after the backlog was due, and from its own due to its calls. */
  midDrain: { trackedAtS: number; dueToStatusS: number; dueToDecisionS: number; dueToLastMediumS: number };
  drainS: number;
  states: Record<string, number>;
  elapsedS: number;
}

/** A UUID v4 from md5(seed || n) whose last hex digit is `0`. */
const referenceSql = (seed: string) =>
  `overlay(overlay(overlay(md5(${seed}) placing '4' from 13) placing 'a' from 17) placing '0' from 32)::uuid`;

const insertDue = (referenceExpr: string, from: string) =>
  `INSERT INTO tracked_transaction (kind, reference, datacenter, acquired_at, callback_grace_seconds, callback_deadline, state, status,
                                    attempts, next_attempt_at, created_at, updated_at)
   SELECT 'id-verifications', ${referenceExpr}, 'US', now() - interval '60 seconds', 60, now(),
          'AWAITING_CALLBACK', 'UNKNOWN', 0, now(), now() - interval '60 seconds', now() - interval '60 seconds'
     ${from}
   RETURNING reference::text`;

export async function runDecisionsFirst(server: Server, o: DecisionsOptions): Promise<DecisionsResult> {
  const started = Date.now();
  const db = await createDatabase(server, o.label.replace(/\W+/g, '_').toLowerCase());
  const sim = await SimulatorProcess.start();
  const services: ServiceProcess[] = [];
  try {
    const env = {
      JUMIO_RATE_LIMIT_PER_SECOND: String(o.ratePerSecond),
      JUMIO_MAX_IN_FLIGHT: '8',
      JUMIO_DEFAULT_DATACENTER: 'US',
    };
    for (let i = 0; i < o.replicas; i++) services.push(await ServiceProcess.start(db.url, sim.url, env));
    log(`${o.label}: ${o.replicas} replica(s) ready, simulator at ${sim.url}`);

    const track = async (sql: string, values: unknown[]) =>
      withClient(db.url, async (c) => {
        await c.query('BEGIN');
        const { rows } = await c.query(sql, values);
        await c.query(
          `INSERT INTO change_event (kind, reference, type, at)
           SELECT 'id-verifications', r::uuid, 'TRACKED', now() FROM unnest($1::text[]) r`,
          [rows.map((r: { reference: string }) => r.reference)],
        );
        await c.query('COMMIT');
        return { at: Date.now(), references: rows.map((r: { reference: string }) => r.reference) };
      });
    const backlog = await track(insertDue(referenceSql(`$1 || n`), 'FROM generate_series(1, $2::int) n'), [
      `${db.name}-`,
      o.transactions,
    ]);
    const t0 = backlog.at;
    log(`${o.label}: ${o.transactions.toLocaleString('en')} transactions due now`);

    const lastMediumLimitS = (o.transactions * CALLS_PER_TRANSACTION) / o.ratePerSecond;
    const midAt = t0 + (lastMediumLimitS / 2) * 1000;
    const deadline = t0 + (lastMediumLimitS * 2 + 120) * 1000;
    let mid: { at: number; reference: string } | null = null;
    let remaining = o.transactions + 1;
    let tDone = NaN;
    let lastLog = 0;
    await withClient(db.url, async (c) => {
      while (Date.now() < deadline) {
        if (!mid && Date.now() >= midAt) {
          const m = await track(insertDue(referenceSql(`$1`), ''), [`${db.name}-mid`]);
          mid = { at: m.at, reference: m.references[0] };
          log(`${o.label}: one more transaction tracked and due ${((m.at - t0) / 1000).toFixed(0)} s into the drain`);
        }
        const { rows } = await c.query(
          `SELECT count(*)::int AS n FROM tracked_transaction WHERE state IN ('AWAITING_CALLBACK', 'RECONCILING')`,
        );
        remaining = rows[0].n;
        if (mid && remaining === 0) {
          tDone = Date.now();
          return;
        }
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          log(`${o.label}: ${remaining.toLocaleString('en')} left after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
        await sleep(500);
      }
    });
    const states = await withClient(db.url, statesOf);

    const requests = (await sim.requests()).filter((r) => r.at >= t0 - 1000);
    const at = requests.map((r) => r.at).sort((a, b) => a - b);
    const byRef = byReference(requests);
    let above = 0;
    for (const list of byRef.values()) above += Math.max(0, list.length - CALLS_PER_TRANSACTION);
    const midRef = (mid as { at: number; reference: string } | null)?.reference;
    const decisions: number[] = [];
    for (const [ref, list] of byRef) {
      if (ref === midRef) continue;
      const data = list.find((x) => x.endpoint === 'data');
      decisions.push(data ? (data.at - t0) / 1000 : Infinity);
    }
    while (decisions.length < o.transactions) decisions.push(Infinity);
    decisions.sort((a, b) => a - b);
    const midCalls = midRef ? (byRef.get(midRef) ?? []) : [];
    const midAtMs = (mid as { at: number } | null)?.at ?? NaN;
    const since = (x: { at: number } | undefined) => (x ? (x.at - midAtMs) / 1000 : Infinity);
    const backlogCalls = requests.filter((r) => r.reference !== midRef).map((r) => r.at);

    const setup =
      `${o.transactions.toLocaleString('en')} ID Verification transactions bulk-inserted in SQL (AWAITING_CALLBACK, callback_deadline = now), ` +
      `references ending in "0" (simulator: DONE APPROVED_VERIFIED at the first poll, 6 media: minimum ${CALLS_PER_TRANSACTION} calls, ` +
      `decision after ${CALLS_PER_DECISION}); one more tracked and due half-way (${(lastMediumLimitS / 2).toFixed(0)} s); ` +
      `${o.replicas} service process(es), JUMIO_RATE_LIMIT_PER_SECOND=${o.ratePerSecond}, JUMIO_MAX_IN_FLIGHT=8; ` +
      `times from the simulator's request log (arrival): decision = the data call`;
    return {
      setup,
      transactions: o.transactions,
      replicas: o.replicas,
      ratePerSecond: o.ratePerSecond,
      calls: requests.length,
      callsAboveMinimum: above,
      transactionsNotDone: remaining,
      decisionS: { p50: quantile(decisions, 0.5), p90: quantile(decisions, 0.9), max: decisions[decisions.length - 1] },
      decisionP90LimitS: (0.9 * o.transactions * CALLS_PER_DECISION) / o.ratePerSecond,
      lastMediumS: backlogCalls.length ? (Math.max(...backlogCalls) - t0) / 1000 : NaN,
      lastMediumLimitS,
      ...arrivalWindows(at, o.ratePerSecond),
      midDrain: {
        trackedAtS: (midAtMs - t0) / 1000,
        dueToStatusS: since(midCalls.find((x) => x.endpoint === 'status')),
        dueToDecisionS: since(midCalls.find((x) => x.endpoint === 'data')),
        dueToLastMediumS: midCalls.length ? since(midCalls[midCalls.length - 1]) : Infinity,
      },
      drainS: ((Number.isFinite(tDone) ? tDone : Date.now()) - t0) / 1000,
      states,
      elapsedS: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await sim.stop();
    await db.drop();
  }
}
