/**
 * Benchmark 3: the scheduler's claim (TransactionClaims.claimDue) at growing table sizes.
 *
 * TransactionClaims.claimDue's exact statement (claimSql(), read from the compiled service) is timed many times with
 * its parameters (owner, lease 60 s, now, limit = JUMIO_MAX_IN_FLIGHT's default 8), each inside BEGIN ... ROLLBACK so every run finds the
 * same due rows (a claim really takes them: without the rollback the due rows would be leased after a few runs).
 * The time is the client's round trip of the statement (parse, plan, execute), as the scheduler sees it.
 *
 * The runs churn the same rows (a lease update each, rolled back), which weighs on later runs whenever those
 * updates are not HOT (each then adds an entry to every index, at the front of the due range). So both are
 * reported: the median of the 20 warm-up runs and EXPLAIN before any run (the claim on a fresh table), the median
 * of the timed runs and EXPLAIN after them (after the churn), and how many of the runs' row updates were HOT.
 */
import path from 'node:path';
import { Client } from 'pg';
import { quantile, ROOT } from './lib/support.js';

/**
 * TransactionClaims.claimDue's statement, read from the compiled service (dist/, which `npm run bench` builds
 * first), so the bench times exactly what the scheduler sends without tying itself to the class's constructor.
 */
export function claimSql(): string {
  const compiled = path.join(ROOT, 'dist', 'src', 'engine', 'persistence', 'transaction-claims.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled service, loaded at run time
  return (require(compiled) as { CLAIM_DUE_SQL: string }).CLAIM_DUE_SQL;
}

/** The index the claim reads, one short range per work rank. */
export const DUE_INDEX = /tracked_transaction_rank_due/;

export interface ClaimFigure {
  rows: number;
  indexEntries: number;
  due: number;
  runs: number;
  claimedPerRun: number;
  medianMs: number;
  p95Ms: number;
  plan: string[];
  executionMs: number;
  /** Buffers the due-index scan touched after the timed runs. */
  dueIndexBuffers: number;
  /** The plan's cost before any timed run. */
  fresh: { dueIndexBuffers: number; executionMs: number; plan: string[] };
  /** Median of the 20 warm-up runs: the claim before the timed runs' own churn has built up. */
  warmUpMedianMs: number;
  /** Row updates the runs (and the two EXPLAIN ANALYZE) made, and how many of them were HOT (no index entry written). */
  updates: { total: number; hot: number };
  usesDueIndex: boolean;
}

/**
 * Times the claim on several databases (one per size), interleaved run by run, so that whatever else the machine
 * does at a moment weighs on every size alike.
 */
export async function timeClaims(
  dbs: { url: string; rows: number }[],
  sql: string,
  runs: number,
  limit = 8,
): Promise<ClaimFigure[]> {
  const clients = await Promise.all(
    dbs.map(async (d) => {
      const c = new Client({ connectionString: d.url });
      await c.connect();
      return c;
    }),
  );
  const explain = async (c: Client) => {
    await c.query('BEGIN');
    const plan = (
      await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, ['bench/explain', 60, new Date(), limit])
    ).rows.map((r) => r['QUERY PLAN'] as string);
    await c.query('ROLLBACK');
    return plan;
  };
  /** Shared buffers the due-index scans (one per rank) touched, and the execution time. */
  const cost = (plan: string[]) => {
    let total = 0;
    let scans = 0;
    plan.forEach((line, at) => {
      if (!DUE_INDEX.test(line)) return;
      scans++;
      // "shared hit=9", "shared hit=9 read=2" or, on a cold cache, "shared read=11".
      const buffers = /shared(?: hit=(\d+))?(?: read=(\d+))?/.exec(
        plan.slice(at).find((l) => /Buffers: shared/.test(l)) ?? '',
      );
      if (buffers) total += Number(buffers[1] ?? 0) + Number(buffers[2] ?? 0);
    });
    const execution = /Execution Time: ([\d.]+) ms/.exec(plan.join('\n'));
    return {
      dueIndexBuffers: scans ? total : NaN,
      executionMs: execution ? Number(execution[1]) : NaN,
    };
  };
  /** The table's update counters (aborted updates count too), flushed from this session first. */
  const updateCounters = async (c: Client) => {
    await c.query('SELECT pg_stat_force_next_flush()');
    await c.query('SELECT 1');
    const r = (
      await c.query(
        `SELECT n_tup_upd::int AS total, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'tracked_transaction'`,
      )
    ).rows[0];
    return { total: Number(r.total), hot: Number(r.hot) };
  };
  try {
    const before = [];
    for (const c of clients) before.push(await updateCounters(c));
    // Before any timed run: every timed run updates the same 8 most overdue rows and rolls back, and the dead
    // versions it leaves behind weigh on the later runs (see BENCHMARKS.md); the fresh plan shows the clean cost.
    const fresh = [];
    for (const c of clients) {
      const plan = await explain(c);
      fresh.push({ ...cost(plan), plan });
    }
    const times = dbs.map(() => [] as number[]);
    const warmUp = dbs.map(() => [] as number[]);
    const claimed = dbs.map(() => 0);
    for (let i = 0; i < runs + 20; i++) {
      for (const [k, c] of clients.entries()) {
        await c.query('BEGIN');
        const t = process.hrtime.bigint();
        const res = await c.query(sql, [`bench/${i}`, 60, new Date(), limit]);
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        await c.query('ROLLBACK');
        if (i >= 20) {
          times[k].push(ms);
          claimed[k] += res.rowCount ?? 0;
        } else {
          warmUp[k].push(ms);
        }
      }
    }
    const out: ClaimFigure[] = [];
    for (const [k, c] of clients.entries()) {
      const counts = (
        await c.query(
          `SELECT count(*) FILTER (WHERE next_attempt_at IS NOT NULL)::int AS idx, count(*) FILTER (WHERE next_attempt_at <= now())::int AS due FROM tracked_transaction`,
        )
      ).rows[0];
      const plan = await explain(c);
      const after = await updateCounters(c);
      const sorted = times[k].sort((a, b) => a - b);
      const execution = /Execution Time: ([\d.]+) ms/.exec(plan.join('\n'));
      out.push({
        rows: dbs[k].rows,
        indexEntries: counts.idx,
        due: counts.due,
        runs,
        claimedPerRun: claimed[k] / runs,
        medianMs: quantile(sorted, 0.5),
        p95Ms: quantile(sorted, 0.95),
        plan,
        executionMs: execution ? Number(execution[1]) : NaN,
        dueIndexBuffers: cost(plan).dueIndexBuffers,
        fresh: fresh[k],
        warmUpMedianMs: quantile(
          warmUp[k].sort((a, b) => a - b),
          0.5,
        ),
        updates: { total: after.total - before[k].total, hot: after.hot - before[k].hot },
        usesDueIndex:
          plan.some((l) => DUE_INDEX.test(l)) && !plan.some((l) => /Seq Scan on tracked_transaction/.test(l)),
      });
    }
    return out;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
