/**
 * Benchmarks 1, 2 and 5: a backlog of ID Verification transactions whose callbacks were missed, drained by 1..n
 * service processes against the simulator in a process of its own.
 *
 * The backlog is bulk-inserted in SQL (one statement, with a TRACKED event each): state AWAITING_CALLBACK,
 * acquired 60 s ago with a 60 s grace, so callback_deadline = next_attempt_at = the insert's now(). It is
 * inserted only once every replica is ready, so all of them see the whole backlog come due at once.
 * References are unscripted UUIDs ending in `a`: the simulator's deterministic table answers FAILED
 * (NO_ID_UPLOADED) at the first poll with no images, so the minimum is 3 calls per transaction (status,
 * data, images list) and no medium.
 */
import type { Server } from './lib/support.js';
import {
  arrivalWindows,
  type ArrivalWindows,
  byReference,
  cpuMs,
  createDatabase,
  log,
  mean,
  postgresCpuMs,
  quantile,
  rssMb,
  ServiceProcess,
  SimulatorProcess,
  sleep,
  statesOf,
  withClient,
} from './lib/support.js';

export const MIN_CALLS_PER_TRANSACTION = 3;

export interface DrainOptions {
  label: string;
  transactions: number;
  replicas: number;
  ratePerSecond: number;
  maxInFlight: number;
  pollIntervalMs?: number;
  /** Directory for `node --cpu-prof` profiles of the service processes (none when unset). */
  cpuProfileDir?: string;
  /** More environment for the service processes (the tracing comparison sets OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /** Every transaction is deleted at Jumio once retrieved (delete_at_jumio): one more call each. */
  deleteAtJumio?: boolean;
}

export interface DrainResult extends ArrivalWindows {
  setup: string;
  transactions: number;
  replicas: number;
  ratePerSecond: number;
  calls: number;
  callsAboveMinimum: number;
  transactionsWithExtraCalls: number;
  transactionsNotDone: number;
  stalled: boolean;
  /** Rate-slot reservations (jumio_rate_slot inserts + updates, from pg_stat_user_tables) per call made. */
  slotReservationsPerCall: number;
  slotReservations: number;
  /** PostgreSQL commits (pg_stat_database.xact_commit: explicit transactions and autocommit statements, the bench's own polling included) per reconciled transaction. */
  commitsPerTransaction: number;
  firstCallToLastCallS: number;
  drainS: number;
  achievedCallsPerS: number;
  shareOfCeiling: number;
  reconciledPerS: number;
  serviceCpuMs: number;
  serviceCpuMsPerTransaction: number;
  postgresCpuMsPerTransaction: number;
  simulatorCpuMsPerCall: number;
  /** Arrival to arrival of a transaction's consecutive calls. */
  gapBetweenCallsMs: { p50: number; p95: number };
  states: Record<string, number>;
  /** What the service processes wrote to stdout/stderr (LOG_LEVEL=warn), and the last of it. */
  serviceOutput: { bytes: number; lines: number; tail: string };
  memory: {
    pid: number;
    maxMb: number;
    firstQuarterAvgMb: number;
    lastQuarterAvgMb: number;
    afterMb: number;
    samples: number[];
  }[];
  elapsedS: number;
}

/** Work left: a transaction not final yet, or a delete at Jumio still pending. */
const NOT_DONE = `(state IN ('AWAITING_CALLBACK', 'RECONCILING')
                   OR (jumio_deletion_requested_at IS NOT NULL AND jumio_deleted_at IS NULL))`;

export async function runDrain(server: Server, o: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const db = await createDatabase(server, o.label.replace(/\W+/g, '_').toLowerCase());
  const sim = await SimulatorProcess.start();
  const services: ServiceProcess[] = [];
  try {
    const env: Record<string, string> = {
      JUMIO_RATE_LIMIT_PER_SECOND: String(o.ratePerSecond),
      JUMIO_MAX_IN_FLIGHT: String(o.maxInFlight),
      JUMIO_DEFAULT_DATACENTER: 'US',
    };
    if (o.pollIntervalMs) env.RECONCILER_POLL_INTERVAL_MS = String(o.pollIntervalMs);
    Object.assign(env, o.env);
    for (let i = 0; i < o.replicas; i++) {
      const nodeArgs = o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : [];
      services.push(await ServiceProcess.start(db.url, sim.url, env, nodeArgs));
    }
    log(
      `${o.label}: ${o.replicas} replica(s) ready (pids ${services.map((s) => s.pid).join(', ')}), simulator at ${sim.url}`,
    );

    const samples = new Map<number, { t: number; mb: number }[]>(services.map((s) => [s.pid, []]));
    const sample = () => {
      for (const s of services) samples.get(s.pid)!.push({ t: Date.now(), mb: rssMb(s.pid) });
    };
    sample();
    const sampler = setInterval(sample, 1000);

    const dbStats = (c: { query: (sql: string, v: unknown[]) => Promise<{ rows: { commits: string }[] }> }) =>
      c
        .query(`SELECT xact_commit::text AS commits FROM pg_stat_database WHERE datname = $1`, [db.name])
        .then((r) => Number(r.rows[0].commits));
    const commits0 = await withClient(db.url, dbStats);
    const cpu0 = services.map((s) => cpuMs(s.pid));
    const pg0 = postgresCpuMs(server.postmasterPid);
    const sim0 = cpuMs(sim.pid);
    const minCalls = MIN_CALLS_PER_TRANSACTION + (o.deleteAtJumio ? 1 : 0);
    const t0 = await withClient(db.url, async (c) => {
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO tracked_transaction (kind, reference, datacenter, acquired_at, callback_grace_seconds, callback_deadline, state, status,
                                          attempts, next_attempt_at, created_at, updated_at, delete_at_jumio)
         SELECT 'id-verifications', overlay(overlay(overlay(md5($1 || n) placing '4' from 13) placing 'a' from 17) placing 'a' from 32)::uuid, 'US', now() - interval '60 seconds', 60, now(),
                'AWAITING_CALLBACK', 'UNKNOWN', 0, now(), now() - interval '60 seconds', now() - interval '60 seconds', $3
           FROM generate_series(1, $2::int) n`,
        [`${db.name}-`, o.transactions, o.deleteAtJumio ?? false],
      );
      await c.query(
        `INSERT INTO change_event (kind, reference, type, at) SELECT kind, reference, 'TRACKED', created_at FROM tracked_transaction ORDER BY id`,
      );
      await c.query('COMMIT');
      return Date.now();
    });
    log(`${o.label}: ${o.transactions.toLocaleString('en')} transactions due now`);

    // Expected: calls / ceiling, plus slack; a stuck drain ends the benchmark rather than the whole run.
    const expectedS = (o.transactions * minCalls) / Math.min(o.ratePerSecond, 3000);
    const deadline = t0 + (expectedS * 2 + 120) * 1000;
    let remaining = o.transactions;
    let lastLog = 0;
    let tDone = NaN;
    let stalled = false;
    // Cheap reads only while the drain runs (the bench shares PostgreSQL with the service): whether any work is
    // left (an index probe) and the newest call's id (the primary key's end); the count of what is left is read
    // only for the progress line, every 30 s.
    const callsMade = async (c: { query: (sql: string) => Promise<{ rows: { n: number }[] }> }) =>
      (await c.query(`SELECT coalesce(max(id), 0)::int AS n FROM jumio_call`)).rows[0].n;
    const left = async (c: { query: (sql: string) => Promise<{ rows: { n: number }[] }> }) =>
      (await c.query(`SELECT count(*)::int AS n FROM tracked_transaction WHERE ${NOT_DONE}`)).rows[0].n;
    await withClient(db.url, async (c) => {
      let progress = { calls: -1, at: Date.now() };
      while (Date.now() < deadline) {
        const { rows } = await c.query(`SELECT EXISTS (SELECT 1 FROM tracked_transaction WHERE ${NOT_DONE}) AS any`);
        if (!rows[0].any) {
          remaining = 0;
          tDone = Date.now();
          return;
        }
        // No call logged for 30 s: the drain is stuck; the benchmark reports it rather than waiting for the deadline.
        const calls = await callsMade(c);
        if (calls !== progress.calls) progress = { calls, at: Date.now() };
        else if (Date.now() - progress.at > 30_000) {
          remaining = await left(c);
          stalled = true;
          log(`${o.label}: STALLED: no Jumio call logged for 30 s (${remaining} transactions left)`);
          return;
        }
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          remaining = await left(c);
          log(`${o.label}: ${remaining.toLocaleString('en')} left after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
        await sleep(200);
      }
      remaining = await left(c);
    });
    const cpu1 = services.map((s) => cpuMs(s.pid));
    const pg1 = postgresCpuMs(server.postmasterPid);
    const sim1 = cpuMs(sim.pid);
    if (remaining > 0) log(`${o.label}: gave up with ${remaining} transactions not reconciled`);
    const drainEnd = Number.isFinite(tDone) ? tDone : Date.now();
    // "After": five more seconds of samples once the backlog is gone.
    await sleep(5500);
    clearInterval(sampler);

    let states: Record<string, number> = {};
    let slotReservations = NaN;
    let commits = NaN;
    await withClient(db.url, async (c) => {
      // Each reservation of a rate slot is one insert or update of jumio_rate_slot (the statistics lag by up to a second).
      const st = (
        await c.query(
          `SELECT (n_tup_ins + n_tup_upd)::int AS n FROM pg_stat_user_tables WHERE relname = 'jumio_rate_slot'`,
        )
      ).rows[0];
      slotReservations = st ? st.n : NaN;
      commits = (await dbStats(c)) - commits0;
      states = await statesOf(c);
    });

    const requests = (await sim.requests()).filter((r) => r.at >= t0 - 1000);
    const at = requests.map((r) => r.at).sort((a, b) => a - b);
    const perRef = new Map<string, number>();
    for (const r of requests) perRef.set(r.reference ?? '?', (perRef.get(r.reference ?? '?') ?? 0) + 1);
    let above = 0;
    let withExtra = 0;
    for (const n of perRef.values()) {
      if (n > minCalls) {
        above += n - minCalls;
        withExtra++;
      }
    }
    // Within one transaction: the gap from one call's arrival to the next (the service's answer handling, its save,
    // the next rate slot) -- where the time of a transaction goes when the ceiling is not what limits it.
    const gaps: number[] = [];
    for (const list of byReference(requests).values())
      for (let i = 1; i < list.length; i++) gaps.push(list[i].at - list[i - 1].at);
    gaps.sort((a, b) => a - b);
    const spanS = at.length > 1 ? (at[at.length - 1] - at[0]) / 1000 : NaN;
    const achieved = at.length > 1 ? (at.length - 1) / spanS : NaN;
    const drainS = (drainEnd - t0) / 1000;
    const serviceCpu = cpu1.reduce((a, b, i) => a + (b - cpu0[i]), 0);

    const memory = services.map((s) => {
      const all = samples.get(s.pid)!;
      const during = all.filter((x) => x.t >= t0 && x.t <= drainEnd).map((x) => x.mb);
      const after = all.filter((x) => x.t > drainEnd).map((x) => x.mb);
      const q = Math.max(1, Math.floor(during.length / 4));
      return {
        pid: s.pid,
        maxMb: Math.max(...all.map((x) => x.mb)),
        firstQuarterAvgMb: mean(during.slice(0, q)),
        lastQuarterAvgMb: mean(during.slice(-q)),
        afterMb: after.length ? after[after.length - 1] : NaN,
        samples: all.map((x) => Math.round(x.mb * 10) / 10),
      };
    });

    const setup =
      `${o.transactions.toLocaleString('en')} ID Verification transactions bulk-inserted in SQL (AWAITING_CALLBACK, callback_deadline = now, ` +
      `TRACKED event each), unscripted references ending in "a" (simulator: FAILED at the first poll, no images: minimum ${minCalls} ` +
      `calls = status + data + images list${o.deleteAtJumio ? ' + the delete at Jumio (delete_at_jumio true)' : ''}); ${o.replicas} service process(es), JUMIO_RATE_LIMIT_PER_SECOND=${o.ratePerSecond}, ` +
      `JUMIO_MAX_IN_FLIGHT=${o.maxInFlight}${o.pollIntervalMs ? `, RECONCILER_POLL_INTERVAL_MS=${o.pollIntervalMs}` : ''}, LOG_LEVEL=warn, NODE_ENV=production; ` +
      `simulator in its own process; times from the simulator's request log (arrival)`;
    return {
      setup,
      transactions: o.transactions,
      replicas: o.replicas,
      ratePerSecond: o.ratePerSecond,
      calls: requests.length,
      callsAboveMinimum: above,
      transactionsWithExtraCalls: withExtra,
      transactionsNotDone: remaining,
      stalled,
      slotReservationsPerCall: slotReservations / Math.max(1, requests.length),
      slotReservations,
      commitsPerTransaction: commits / Math.max(1, o.transactions - remaining),
      firstCallToLastCallS: spanS,
      drainS,
      achievedCallsPerS: achieved,
      shareOfCeiling: achieved / o.ratePerSecond,
      ...arrivalWindows(at, o.ratePerSecond),
      reconciledPerS: (o.transactions - remaining) / drainS,
      serviceCpuMs: serviceCpu,
      serviceCpuMsPerTransaction: serviceCpu / Math.max(1, o.transactions - remaining),
      postgresCpuMsPerTransaction: (pg1 - pg0) / Math.max(1, o.transactions - remaining),
      simulatorCpuMsPerCall: (sim1 - sim0) / Math.max(1, requests.length),
      gapBetweenCallsMs: { p50: quantile(gaps, 0.5), p95: quantile(gaps, 0.95) },
      states,
      serviceOutput: {
        bytes: services.reduce((a, x) => a + x.logged.bytes, 0),
        lines: services.reduce((a, x) => a + x.logged.lines, 0),
        tail: services[0].output().slice(-1500),
      },
      memory,
      elapsedS: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await sim.stop();
    await db.drop();
  }
}
