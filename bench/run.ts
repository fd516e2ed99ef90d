/**
 * `npm run bench` (issue 7): builds the service, then runs every benchmark against real PostgreSQL with the
 * simulator in a process of its own, prints what each one set up, its figures and elapsed time, a table of
 * figures against targets, and writes bench/results/latest.json. `npm run bench -- --help` prints USAGE below
 * (the options, the environment it reads, the quick mode) and exits without starting anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { claimSql, DUE_INDEX, timeClaims } from './claim-scale.js';
import { runDecisionsFirst } from './decisions-first.js';
import { runDrain, type DrainResult } from './drain.js';
import { commitLatencyMs, log, print, fix, int, ROOT, startServer, createDatabase, withClient } from './lib/support.js';
import { runMachineLimit, type MachineLimitResult } from './machine-limit.js';
import { summarize } from './profile-summary.js';
import { runReadPath, type ReadPathResult } from './read-path.js';
import { growTo, readTargets } from './scale-load.js';
import { runTracingComparison } from './tracing.js';
import { runBatchImport } from './batch-import.js';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run bench [-- --help]

Builds the service, then runs the benchmarks against real PostgreSQL (embedded, or DATABASE_URL's server:
scratch databases are created and dropped) with the service and the Jumio simulator as processes of their own,
all on loopback. Prints each benchmark's setup and figures, a table against the targets, and writes
bench/results/latest.json.

  npm run bench                                 the full run: about 48 minutes on 2 cores
  BENCH_QUICK=1 npm run bench                   the quick mode: small sizes, about 5 minutes, a smoke run
                                                (its figures are not comparable with the recorded ones)
  BENCH_ONLY=ceiling BENCH_REPLICAS=1 npm run bench     one part only

Options:
  -h, --help                    print this and exit; no database, service or load is started

Environment (default full / quick):
  BENCH_QUICK=1                 small sizes (the quick column below)
  BENCH_ONLY                    parts to run, comma-separated: limit, overhead, ceiling, decisions, scale,
                                read, tracing, import (default all eight)
  BENCH_REPLICAS                drains at the ceiling (and decisions first) to run: 1, 3 or 1,3 (default 1,3)
  BENCH_DRAIN_TRANSACTIONS      10000 / 300    drain at the ceiling, 1 replica (also the memory benchmark)
  BENCH_DRAIN3_TRANSACTIONS     10000 / 300    drain at the ceiling, 3 replicas
  BENCH_DELETE_AT_JUMIO=1       the drains at the ceiling delete each transaction at Jumio once retrieved
  BENCH_DECISIONS_TRANSACTIONS  3000 / 300     decisions first: missed ID verifications with 6 media each
  BENCH_OVERHEAD_TRANSACTIONS   10000 / 1000   drain with the ceiling lifted, and the bare client's run
  BENCH_OVERHEAD_RATE           100000         the lifted ceiling, calls per second
  BENCH_OVERHEAD_IN_FLIGHT      64             calls in flight per replica in the lifted drain
  BENCH_OVERHEAD_POLL_MS        (service's)    RECONCILER_POLL_INTERVAL_MS of the lifted drain
  BENCH_OVERHEAD2_REPLICAS      cores / cores  replicas of the second lifted drain (one per core)
  BENCH_SCALE_SIZES             1000,100000,1000000 / 1000,10000,50000   tracked rows for the claim at scale
  BENCH_READ_SECONDS            10 / 3         length of each read-path load
  BENCH_TRACING_TRANSACTIONS    3000 / 300     each drain of the tracing comparison (ceiling lifted, off then on)
  BENCH_TRACING_READ_ROWS       100000 / 2000  tracked rows under the tracing comparison's read loads
  BENCH_IMPORT_LINES            100000 / 5000  lines of the file npm run import tracks (benchmark 8)
  BENCH_SINGLE_ITEMS            10000 / 1000   references tracked one request at a time beside it
  BENCH_CPU_PROFILE=1           the service of the lifted drain and of the read path writes a --cpu-prof
                                profile under bench/results/profiles/, summarized in the output
  BENCH_SERVICE_NODE_ARGS       node flags for every service process, e.g. '--max-old-space-size=256'
  DATABASE_URL                  a PostgreSQL server to use instead of the embedded one

BENCHMARKS.md has the recorded run and what each figure means.
`;

/** `--help` prints USAGE and exits 0 before anything is started; any other argument is refused (exit 2). */
function readArguments(): void {
  let help = false;
  try {
    help = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true }).values.help === true;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
}
readArguments();

const QUICK = process.env.BENCH_QUICK === '1';
const num = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
const SIZES = {
  drain1: num('BENCH_DRAIN_TRANSACTIONS', 10_000, 300),
  drain3: num('BENCH_DRAIN3_TRANSACTIONS', 10_000, 300),
  decisions: num('BENCH_DECISIONS_TRANSACTIONS', 3_000, 300),
  overhead: num('BENCH_OVERHEAD_TRANSACTIONS', 10_000, 1_000),
  scale: (process.env.BENCH_SCALE_SIZES ?? (QUICK ? '1000,10000,50000' : '1000,100000,1000000')).split(',').map(Number),
  claimRuns: QUICK ? 50 : 300,
  readSeconds: num('BENCH_READ_SECONDS', 10, 3),
  readConnections: 50,
  tracingDrain: num('BENCH_TRACING_TRANSACTIONS', 3_000, 300),
  tracingReadRows: num('BENCH_TRACING_READ_ROWS', 100_000, 2_000),
  importLines: num('BENCH_IMPORT_LINES', 100_000, 5_000),
  singleItems: num('BENCH_SINGLE_ITEMS', 10_000, 1_000),
};
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'limit,overhead,ceiling,decisions,scale,read,tracing,import').split(','),
);
/** BENCH_REPLICAS=1 or 3: only that configuration of the drain at the ceiling. */
const CEILING_REPLICAS = (process.env.BENCH_REPLICAS ?? '1,3').split(',').map(Number);
const CEILING = 50;
/** The drains at the ceiling delete every transaction at Jumio once retrieved (one more call each). */
const DELETE_AT_JUMIO = process.env.BENCH_DELETE_AT_JUMIO === '1';
/** The fewest calls a transaction of the drains at the ceiling needs. */
const CALLS_PER_TRANSACTION = 3 + (DELETE_AT_JUMIO ? 1 : 0);
const OVERHEAD_RATE = num('BENCH_OVERHEAD_RATE', 100_000, 100_000);
const OVERHEAD_IN_FLIGHT = num('BENCH_OVERHEAD_IN_FLIGHT', 64, 64);
const OVERHEAD_POLL_MS = process.env.BENCH_OVERHEAD_POLL_MS ? Number(process.env.BENCH_OVERHEAD_POLL_MS) : undefined;
/** 2c: the same lifted ceiling with one replica per core. */
const OVERHEAD2_REPLICAS = num('BENCH_OVERHEAD2_REPLICAS', os.cpus().length, os.cpus().length);
const FULL_TARGET = 10_000;

interface Row {
  benchmark: string;
  figure: string;
  value: string;
  target: string;
  ok: boolean | null;
}

const rows: Row[] = [];
const row = (benchmark: string, figure: string, value: string, target: string, ok: boolean | null) =>
  rows.push({ benchmark, figure, value, target, ok });

function machine() {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    cores: Number(sh('nproc')),
    memory: sh('free -h | sed -n 2p').replace(/\s+/g, ' '),
    cpu: os.cpus()[0]?.model ?? '?',
    kernel: os.release(),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function header(title: string, setup: string): void {
  print(
    `\n=== ${title} (load average now ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
  );
  print(`setup: ${setup}`);
}

function reportDrain(title: string, r: DrainResult, reduced: boolean): void {
  header(title, r.setup);
  if (reduced)
    print(
      `REDUCED: ${r.transactions.toLocaleString('en')} transactions instead of ${FULL_TARGET.toLocaleString('en')} to keep the whole run under 30 minutes`,
    );
  print(
    `calls ${int(r.calls)} (minimum ${int(r.transactions * 3)}), above the minimum ${r.callsAboveMinimum} (in ${r.transactionsWithExtraCalls} transactions), not reconciled ${r.transactionsNotDone}${r.stalled ? ' -- STALLED: no call for 30 s' : ''}`,
  );
  print(
    `PostgreSQL commits per reconciled transaction: ${fix(r.commitsPerTransaction, 1)} (pg_stat_database.xact_commit; includes the bench's polling, about 10 per second)`,
  );
  print(
    `rate-slot reservations: ${int(r.slotReservations)}, per call made ${fix(r.slotReservationsPerCall, 2)} (1.00 = no slot given up; jumio_rate_slot inserts+updates from pg_stat_user_tables)`,
  );
  print(
    `service output (LOG_LEVEL=warn): ${int(r.serviceOutput.lines)} lines, ${int(r.serviceOutput.bytes)} bytes${r.serviceOutput.lines ? `; last line: ${r.serviceOutput.tail.trim().split('\n').pop()!.slice(0, 600)}` : ''}`,
  );
  print(
    `states: ${Object.entries(r.states)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  print(
    `first call to last call ${fix(r.firstCallToLastCallS, 1)} s; drain (due -> last transaction final) ${fix(r.drainS, 1)} s`,
  );
  print(
    `achieved ${fix(r.achievedCallsPerS, 2)} calls/s = ${fix(r.shareOfCeiling * 100, 1)} % of ${r.ratePerSecond}/s; most in any 1 s window ${r.max1s} (stamps <= 1000 ms apart; ${r.max1sHalfOpen} with < 1000 ms), in any 5 s window ${r.max5s} (${r.max5sHalfOpen} with < 5000 ms); 1 s windows over ${r.ratePerSecond}: ${r.windowsOver1s} closed, ${r.windowsOver1sHalfOpen} half-open`,
  );
  print(
    `gap between a transaction's consecutive calls: p50 ${r.gapBetweenCallsMs.p50} ms, p95 ${r.gapBetweenCallsMs.p95} ms`,
  );
  print(
    `reconciled ${fix(r.reconciledPerS, 1)} transactions/s; CPU per transaction: service ${fix(r.serviceCpuMsPerTransaction, 2)} ms, PostgreSQL ${fix(r.postgresCpuMsPerTransaction, 2)} ms; simulator ${fix(r.simulatorCpuMsPerCall, 3)} ms per call`,
  );
  for (const m of r.memory) {
    print(
      `RSS pid ${m.pid}: max ${fix(m.maxMb)} MB, first quarter ${fix(m.firstQuarterAvgMb)} MB, last quarter ${fix(m.lastQuarterAvgMb)} MB, after ${fix(m.afterMb)} MB (${m.samples.length} samples, 1/s)`,
    );
  }
  print(`elapsed ${fix(r.elapsedS, 1)} s`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const results: Record<string, unknown> = {};
  const mach = machine();
  print(
    `jumio-fallback benchmarks${QUICK ? ' (BENCH_QUICK=1: small sizes, a smoke run)' : ''}, ${new Date().toISOString()}`,
  );
  print(
    `machine: ${mach.cores} cores (${mach.cpu}), memory ${mach.memory}, Linux ${mach.kernel}, Node ${mach.node}, load average at start ${mach.loadAverageAtStart.join(' ')}`,
  );
  const server = await startServer();
  print(`database: ${server.description}`);
  const commit = await commitLatencyMs(server.url);
  results.commitLatencyMs = commit;
  print(
    `database commit latency (sequential autocommit inserts): ${fix(commit.on, 3)} ms with synchronous_commit=on, ${fix(commit.off, 3)} ms off`,
  );
  try {
    // 2 (reference) -- the machine's limit: the simulator alone, driven by a bare client.
    let limit: MachineLimitResult | null = null;
    if (ONLY.has('limit') || ONLY.has('overhead')) {
      limit = await runMachineLimit(SIZES.overhead, OVERHEAD_IN_FLIGHT);
      results.machineLimit = limit;
      header('2a. Machine limit: the simulator alone, bare HTTP client', limit.setup);
      print(
        `${int(limit.calls)} calls in ${fix(limit.seconds, 2)} s = ${int(limit.callsPerS)} calls/s (${int(limit.transactionsPerS)} transactions/s), errors ${limit.errors}`,
      );
      print(
        `CPU per call: simulator ${fix(limit.simulatorCpuMsPerCall, 3)} ms, client ${fix(limit.clientCpuMsPerCall, 3)} ms`,
      );
      print(`elapsed ${fix(limit.elapsedS, 1)} s`);
    }

    // 2 -- engine overhead: the same drain with the ceiling lifted.
    if (ONLY.has('overhead')) {
      const profileDir =
        process.env.BENCH_CPU_PROFILE === '1'
          ? path.join(ROOT, 'bench', 'results', 'profiles', String(Date.now()))
          : undefined;
      if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
      const r = await runDrain(server, {
        label: 'overhead',
        transactions: SIZES.overhead,
        replicas: 1,
        ratePerSecond: OVERHEAD_RATE,
        maxInFlight: OVERHEAD_IN_FLIGHT,
        pollIntervalMs: OVERHEAD_POLL_MS,
        cpuProfileDir: profileDir,
      });
      results.overhead = r;
      reportDrain('2b. Engine overhead: the drain with the ceiling lifted, 1 replica', r, false);
      if (profileDir) {
        for (const f of fs.readdirSync(profileDir).filter((x) => x.endsWith('.cpuprofile')))
          print(summarize(path.join(profileDir, f), 15));
      }
      const half = limit ? limit.callsPerS / 2 : NaN;
      print(
        `engine ${int(r.achievedCallsPerS)} calls/s vs the machine's ${limit ? int(limit.callsPerS) : '?'} calls/s = ${limit ? fix((r.achievedCallsPerS / limit.callsPerS) * 100, 1) : '?'} %`,
      );
      row(
        '2 overhead',
        'Jumio calls/s, ceiling lifted, 1 replica',
        int(r.achievedCallsPerS),
        `>= 1,000 or >= half the machine (${int(half)})`,
        r.achievedCallsPerS >= 1000 || r.achievedCallsPerS >= half,
      );
      row(
        '2 overhead',
        'machine limit (bare client -> simulator)',
        `${int(limit?.callsPerS ?? NaN)} calls/s`,
        'reference',
        null,
      );
      if (!r.stalled) {
        row('2 overhead', 'reconciled transactions/s', fix(r.reconciledPerS, 1), 'reported', null);
        row(
          '2 overhead',
          'CPU per transaction, service / PostgreSQL',
          `${fix(r.serviceCpuMsPerTransaction, 2)} / ${fix(r.postgresCpuMsPerTransaction, 2)} ms`,
          'reported',
          null,
        );
      }
      row(
        '2 overhead',
        'calls above the minimum',
        String(r.callsAboveMinimum),
        '0',
        r.callsAboveMinimum === 0 && r.transactionsNotDone === 0,
      );
      if (r.stalled)
        row(
          '2 overhead',
          `STALLED at JUMIO_MAX_IN_FLIGHT=${OVERHEAD_IN_FLIGHT}`,
          `${int(r.calls)} calls, ${int(r.slotReservations)} slot reservations`,
          'no stall',
          false,
        );

      // 2c -- the same drain on every core: one replica per core (a Node process runs JavaScript on one), the
      // deployment this machine allows; replicas share the database, the rate ceiling and the work.
      const r2 = await runDrain(server, {
        label: 'overhead-replicas',
        transactions: SIZES.overhead,
        replicas: OVERHEAD2_REPLICAS,
        ratePerSecond: OVERHEAD_RATE,
        maxInFlight: OVERHEAD_IN_FLIGHT,
        pollIntervalMs: OVERHEAD_POLL_MS,
      });
      results.overheadReplicas = r2;
      reportDrain(
        `2c. Engine overhead: the drain with the ceiling lifted, ${OVERHEAD2_REPLICAS} replicas (one per core)`,
        r2,
        false,
      );
      print(
        `engine ${int(r2.achievedCallsPerS)} calls/s vs the machine's ${limit ? int(limit.callsPerS) : '?'} calls/s = ${limit ? fix((r2.achievedCallsPerS / limit.callsPerS) * 100, 1) : '?'} %`,
      );
      row(
        '2 overhead',
        `Jumio calls/s, ceiling lifted, ${OVERHEAD2_REPLICAS} replicas`,
        int(r2.achievedCallsPerS),
        `>= 1,000 or >= half the machine (${int(half)})`,
        r2.achievedCallsPerS >= 1000 || r2.achievedCallsPerS >= half,
      );
      row(
        '2 overhead',
        `reconciled transactions/s (${OVERHEAD2_REPLICAS} replicas)`,
        fix(r2.reconciledPerS, 1),
        'reported',
        null,
      );
      row(
        '2 overhead',
        `CPU per transaction, services / PostgreSQL (${OVERHEAD2_REPLICAS} replicas)`,
        `${fix(r2.serviceCpuMsPerTransaction, 2)} / ${fix(r2.postgresCpuMsPerTransaction, 2)} ms`,
        'reported',
        null,
      );
      row(
        '2 overhead',
        `calls above the minimum (${OVERHEAD2_REPLICAS} replicas)`,
        String(r2.callsAboveMinimum),
        '0',
        r2.callsAboveMinimum === 0 && r2.transactionsNotDone === 0,
      );
    }

    // 1 and 5 -- the drain at the ceiling, 1 replica then 3.
    if (ONLY.has('ceiling')) {
      for (const [replicas, n] of (
        [
          [1, SIZES.drain1],
          [3, SIZES.drain3],
        ] as const
      ).filter(([k]) => CEILING_REPLICAS.includes(k))) {
        const r = await runDrain(server, {
          label: `ceiling${replicas}`,
          transactions: n,
          replicas,
          ratePerSecond: CEILING,
          maxInFlight: 8,
          deleteAtJumio: DELETE_AT_JUMIO,
        });
        results[`ceiling${replicas}`] = r;
        reportDrain(
          `1${replicas === 1 ? 'a' : 'b'}. Drain at the ceiling (${CEILING}/s), ${replicas} replica${replicas > 1 ? 's' : ''}${replicas === 1 ? ' (and 5. memory)' : ''}`,
          r,
          !QUICK && n < FULL_TARGET,
        );
        const b = `1 ceiling, ${replicas} repl.`;
        row(b, `transactions${n < FULL_TARGET ? ' (REDUCED)' : ''}`, int(n), int(FULL_TARGET), null);
        row(
          b,
          'achieved rate / ceiling while work remained',
          `${fix(r.shareOfCeiling * 100, 1)} % (${fix(r.achievedCallsPerS, 2)}/s)`,
          '>= 95 %',
          r.shareOfCeiling >= 0.95,
        );
        row(
          b,
          'most calls in any 1 s window (<=1000 / <1000 ms)',
          `${r.max1s} / ${r.max1sHalfOpen} (${r.windowsOver1s} / ${r.windowsOver1sHalfOpen} windows over)`,
          `<= ${CEILING}`,
          r.max1s <= CEILING,
        );
        row(
          b,
          'most calls in any 5 s window (<=5000 / <5000 ms)',
          `${r.max5s} / ${r.max5sHalfOpen}`,
          `<= ${CEILING * 5}`,
          r.max5s <= CEILING * 5,
        );
        row(
          b,
          `calls above the minimum (${CALLS_PER_TRANSACTION}/transaction)`,
          `${r.callsAboveMinimum} of ${int(r.calls)}`,
          '0',
          r.callsAboveMinimum === 0 && r.transactionsNotDone === 0,
        );
        row(
          b,
          'time to drain',
          `${fix(r.drainS, 1)} s`,
          `reported (ideal ${fix((n * CALLS_PER_TRANSACTION * 1.03) / CEILING, 0)} s)`,
          null,
        );
        if (replicas === 1) {
          const m = r.memory[0];
          row('5 memory', `RSS max during the ${int(n)} drain`, `${fix(m.maxMb)} MB`, '< 250 MB', m.maxMb < 250);
          row(
            '5 memory',
            'RSS first quarter -> last quarter (avg)',
            `${fix(m.firstQuarterAvgMb)} -> ${fix(m.lastQuarterAvgMb)} MB`,
            'flat: last <= first + 10 %',
            m.lastQuarterAvgMb <= 1.1 * m.firstQuarterAvgMb,
          );
          row('5 memory', 'RSS after the drain', `${fix(m.afterMb)} MB`, 'reported', null);
        } else {
          const max = Math.max(...r.memory.map((m) => m.maxMb));
          row('5 memory', `RSS max of 3 replicas`, `${fix(max)} MB`, '< 250 MB', max < 250);
        }
      }
    }

    // 7 -- decisions first: the time to decision and to the last medium of a backlog at the ceiling.
    if (ONLY.has('decisions')) {
      for (const replicas of CEILING_REPLICAS) {
        const n = SIZES.decisions;
        const r = await runDecisionsFirst(server, {
          label: `decisions${replicas}`,
          transactions: n,
          replicas,
          ratePerSecond: CEILING,
        });
        results[`decisions${replicas}`] = r;
        header(
          `7. Decisions first at the ceiling (${CEILING}/s), ${replicas} replica${replicas > 1 ? 's' : ''}`,
          r.setup,
        );
        print(JSON.stringify({ ...r, setup: undefined, arrivalsMs: undefined }, null, 2));
        const b = `7 decisions, ${replicas} repl.`;
        row(b, 'transactions', int(n), int(3_000), null);
        row(
          b,
          '90th percentile time to decision',
          `${fix(r.decisionS.p90, 1)} s (p50 ${fix(r.decisionS.p50, 1)}, max ${fix(r.decisionS.max, 1)})`,
          `<= ${fix(r.decisionP90LimitS * 1.2, 1)} s (1.2 x ${fix(r.decisionP90LimitS, 1)})`,
          r.decisionS.p90 <= r.decisionP90LimitS * 1.2,
        );
        row(
          b,
          'last medium',
          `${fix(r.lastMediumS, 1)} s`,
          `<= ${fix(r.lastMediumLimitS * 1.05, 1)} s (1.05 x ${fix(r.lastMediumLimitS, 1)})`,
          r.lastMediumS <= r.lastMediumLimitS * 1.05,
        );
        row(
          b,
          'calls above the minimum (9/transaction)',
          `${r.callsAboveMinimum} of ${int(r.calls)}`,
          '0',
          r.callsAboveMinimum === 0 && r.transactionsNotDone === 0,
        );
        row(
          b,
          'most calls in any 1 s / 5 s window (<= / < 1000, 5000 ms)',
          `${r.max1s} / ${r.max1sHalfOpen}, ${r.max5s} / ${r.max5sHalfOpen} (${r.windowsOver1s} 1 s windows over)`,
          `<= ${CEILING} / ${CEILING * 5}`,
          r.max1s <= CEILING && r.max5s <= CEILING * 5,
        );
        row(
          b,
          `tracked at ${fix(r.midDrain.trackedAtS, 0)} s: due -> status / decision / last medium`,
          `${fix(r.midDrain.dueToStatusS, 1)} / ${fix(r.midDrain.dueToDecisionS, 1)} / ${fix(r.midDrain.dueToLastMediumS, 1)} s`,
          'reported',
          null,
        );
      }
    }

    // 3 and 4 -- the claim at growing sizes, then the read path on the largest table.
    if (ONLY.has('scale') || ONLY.has('read')) {
      const started = Date.now();
      const dbs: { url: string; rows: number; drop(): Promise<void> }[] = [];
      try {
        const claimStatement = claimSql();
        header(
          '3. Scale: the scheduler claim at growing table sizes',
          `one database per size (bench/scale-load.ts: 30 % RETRIEVED, 70 % not due yet and in the claim's partial index, exactly 300 overdue); ` +
            `TransactionClaims.claimDue's statement (limit 8, lease 60 s) timed ${SIZES.claimRuns} times per size after 20 warm-up runs, ` +
            `the sizes interleaved run by run, each run in BEGIN ... ROLLBACK; round trip of the statement from a pg client ` +
            `(read from the compiled TransactionClaims)`,
        );
        print(`statement: ${claimStatement.replace(/\s+/g, ' ')}`);
        for (const size of SIZES.scale) {
          const l0 = Date.now();
          const db = await createDatabase(server, `scale${size}`);
          dbs.push({ url: db.url, rows: size, drop: db.drop });
          await withClient(db.url, (c) => growTo(c, 0, size));
          log(`scale: ${int(size)} rows loaded in ${fix((Date.now() - l0) / 1000, 1)} s`);
          print(`loaded ${int(size)} tracked transactions in ${fix((Date.now() - l0) / 1000, 1)} s`);
        }
        const figures = await timeClaims(dbs, claimStatement, SIZES.claimRuns);
        for (const f of figures) {
          print(`\n--- ${int(f.rows)} tracked transactions (${int(f.indexEntries)} in the due index, ${f.due} due)`);
          print(
            `claim: median ${fix(f.medianMs, 3)} ms, p95 ${fix(f.p95Ms, 3)} ms, ${fix(f.claimedPerRun, 1)} rows claimed per run; median of the 20 warm-up runs ${fix(f.warmUpMedianMs, 3)} ms`,
          );
          print(
            `row updates by the runs: ${int(f.updates.total)}, of which HOT (no index entry written): ${int(f.updates.hot)}`,
          );
          print(
            `EXPLAIN ANALYZE before the timed runs: ${fix(f.fresh.executionMs, 3)} ms, ${f.fresh.dueIndexBuffers} buffers in the due-index scan; after them (below): ${fix(f.executionMs, 3)} ms, ${f.dueIndexBuffers} buffers`,
          );
          print(f.plan.join('\n'));
          if (!f.fresh.plan.some((l) => DUE_INDEX.test(l)))
            print(
              `the plan before the timed runs did not use tracked_transaction_rank_due:\n${f.fresh.plan.join('\n')}`,
            );
        }
        results.scale = { figures };
        const first = figures[0];
        const last = figures[figures.length - 1];
        for (const f of figures)
          row(
            '3 scale',
            `claim at ${int(f.rows)}: median / p95`,
            `${fix(f.medianMs, 3)} / ${fix(f.p95Ms, 3)} ms`,
            f === first ? 'baseline' : 'reported',
            null,
          );
        row(
          '3 scale',
          `median ${int(last.rows)} / ${int(first.rows)}`,
          `${fix(last.medianMs / first.medianMs, 2)}x`,
          '<= 1.2x',
          last.medianMs / first.medianMs <= 1.2,
        );
        row(
          '3 scale',
          `median of the 20 warm-up runs ${int(last.rows)} / ${int(first.rows)}`,
          `${fix(last.warmUpMedianMs / first.warmUpMedianMs, 2)}x`,
          'reported',
          null,
        );
        row(
          '3 scale',
          `claim updates that were HOT at ${int(first.rows)} / ${int(last.rows)}`,
          `${int(first.updates.hot)} of ${int(first.updates.total)} / ${int(last.updates.hot)} of ${int(last.updates.total)}`,
          'reported',
          null,
        );
        row(
          '3 scale',
          `EXPLAIN ANALYZE before timing ${int(first.rows)} -> ${int(last.rows)}`,
          `${fix(first.fresh.executionMs, 3)} -> ${fix(last.fresh.executionMs, 3)} ms, ${first.fresh.dueIndexBuffers} -> ${last.fresh.dueIndexBuffers} buf`,
          'reported',
          null,
        );
        row(
          '3 scale',
          `EXPLAIN ANALYZE after timing ${int(first.rows)} -> ${int(last.rows)}`,
          `${fix(first.executionMs, 3)} -> ${fix(last.executionMs, 3)} ms, ${first.dueIndexBuffers} -> ${last.dueIndexBuffers} buf`,
          'reported',
          null,
        );
        row(
          '3 scale',
          'plans use tracked_transaction_rank_due (no seq scan)',
          figures.every((f) => f.usesDueIndex) ? 'yes' : 'NO',
          'yes',
          figures.every((f) => f.usesDueIndex),
        );
        print(`elapsed ${fix((Date.now() - started) / 1000, 1)} s`);
        const db = dbs[dbs.length - 1];
        const size = db.rows;

        if (ONLY.has('read')) {
          const targets = await withClient(db.url, (c) => readTargets(c, 1000));
          const profileDir =
            process.env.BENCH_CPU_PROFILE === '1'
              ? path.join(ROOT, 'bench', 'results', 'profiles', `read-${Date.now()}`)
              : undefined;
          if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
          const r: ReadPathResult = await runReadPath(
            db.url,
            size,
            targets,
            SIZES.readConnections,
            SIZES.readSeconds,
            profileDir,
          );
          results.readPath = r;
          header('4. Read path: GET /v1/id-verifications/{reference}', r.setup);
          for (const [name, f] of [
            ['service', r.service],
            ['bare   ', r.bare],
            [`service at ${r.fixedRate} req/s`, r.serviceAtFixedRate],
            [`bare at ${r.fixedRate} req/s   `, r.bareAtFixedRate],
          ] as const) {
            print(
              `${name}: ${int(f.requestsPerS)} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, ${int(f.requests)} requests, non-2xx ${f.non2xx}, errors ${f.errors}, server CPU ${fix(f.cpuMsPerRequest, 3)} ms/request, status codes ${JSON.stringify(f.statusCodes)}`,
            );
          }
          if (!r.sameBody)
            print(
              `bodies differ:\nservice: ${JSON.stringify(r.serviceBody).slice(0, 1500)}\nbare:    ${JSON.stringify(r.bareBody).slice(0, 1500)}`,
            );
          print(
            `service / bare throughput ${fix(r.throughputRatio * 100, 1)} %; same JSON body: ${r.sameBody ? 'yes' : 'no'}`,
          );
          if (profileDir) {
            for (const f of fs.readdirSync(profileDir).filter((x) => x.endsWith('.cpuprofile')))
              print(summarize(path.join(profileDir, f), 15));
          }
          print(`elapsed ${fix(r.elapsedS, 1)} s`);
          const clean = r.service.non2xx === 0 && r.service.errors === 0;
          row(
            '4 read',
            'service req/s (p50 / p99)',
            `${int(r.service.requestsPerS)} (${r.service.p50Ms} / ${r.service.p99Ms} ms)`,
            'p99 < 25 ms',
            r.service.p99Ms < 25 && clean,
          );
          row(
            '4 read',
            'bare handler req/s (p50 / p99)',
            `${int(r.bare.requestsPerS)} (${r.bare.p50Ms} / ${r.bare.p99Ms} ms)`,
            'reference',
            null,
          );
          row(
            '4 read',
            `p50 / p99 at a fixed ${r.fixedRate} req/s: service`,
            `${r.serviceAtFixedRate.p50Ms} / ${r.serviceAtFixedRate.p99Ms} ms`,
            'p99 < 25 ms',
            r.serviceAtFixedRate.p99Ms < 25,
          );
          row(
            '4 read',
            `p50 / p99 at a fixed ${r.fixedRate} req/s: bare`,
            `${r.bareAtFixedRate.p50Ms} / ${r.bareAtFixedRate.p99Ms} ms`,
            'reference',
            null,
          );
          row(
            '4 read',
            'service / bare throughput',
            `${fix(r.throughputRatio * 100, 1)} %`,
            '>= 50 %',
            r.throughputRatio >= 0.5,
          );
          row(
            '4 read',
            'server CPU per request: service / bare',
            `${fix(r.service.cpuMsPerRequest, 3)} / ${fix(r.bare.cpuMsPerRequest, 3)} ms`,
            'reported',
            null,
          );
        }
      } finally {
        for (const d of dbs) await d.drop();
      }
    }

    // 6 -- tracing off and on: the lifted drain and the read path, same run.
    if (ONLY.has('tracing')) {
      const r = await runTracingComparison(server, {
        drainTransactions: SIZES.tracingDrain,
        ratePerSecond: OVERHEAD_RATE,
        maxInFlight: OVERHEAD_IN_FLIGHT,
        readRows: SIZES.tracingReadRows,
        readSeconds: SIZES.readSeconds,
        connections: SIZES.readConnections,
      });
      results.tracing = r;
      header('6. Tracing off and on (OTEL_EXPORTER_OTLP_ENDPOINT)', r.setup);
      for (const [name, d] of [
        ['off', r.drain.off],
        ['on', r.drain.on],
      ] as const) {
        print(
          `drain, tracing ${name}: ${int(d.achievedCallsPerS)} calls/s, ${fix(d.reconciledPerS, 1)} transactions/s, CPU per transaction service ${fix(d.serviceCpuMsPerTransaction, 2)} ms / PostgreSQL ${fix(d.postgresCpuMsPerTransaction, 2)} ms, RSS max ${fix(d.memory[0]?.maxMb ?? NaN)} MB, not reconciled ${d.transactionsNotDone}`,
        );
        row(
          '6 tracing',
          `drain (lifted) calls/s, CPU ms/transaction: ${name}`,
          `${int(d.achievedCallsPerS)}, ${fix(d.serviceCpuMsPerTransaction, 2)} ms`,
          'reported',
          null,
        );
      }
      for (const x of r.read) {
        print(
          `read path, tracing ${x.tracing} (run ${x.run}): ${int(x.figure.requestsPerS)} req/s, p50 ${x.figure.p50Ms} ms, p99 ${x.figure.p99Ms} ms, CPU ${fix(x.figure.cpuMsPerRequest, 3)} ms/request, non-2xx ${x.figure.non2xx}, errors ${x.figure.errors}, RSS after ${fix(x.rssAfterMb)} MB`,
        );
        row(
          '6 tracing',
          `read req/s (p99), CPU/request: ${x.tracing} #${x.run}`,
          `${int(x.figure.requestsPerS)} (${x.figure.p99Ms} ms), ${fix(x.figure.cpuMsPerRequest, 3)} ms`,
          'reported',
          null,
        );
      }
      print(`exported to the OTLP sink: ${int(r.exported.requests)} requests, ${int(r.exported.bytes)} bytes`);
      print(`elapsed ${fix(r.elapsedS, 1)} s`);
    }

    // 7 -- tracking many at once: npm run import through the batch route against the single route, same run.
    if (ONLY.has('import')) {
      const r = await runBatchImport(server, {
        importLines: SIZES.importLines,
        singleItems: SIZES.singleItems,
        inFlight: 16,
      });
      results.batchImport = r;
      header('7. Tracking many at once: npm run import (POST /v1/{kind}/batch) against the single route', r.setup);
      for (const [name, f] of [
        [`single route (${r.single.inFlight} in flight)`, r.single],
        ['npm run import', r.imported],
        ['npm run import again (already tracked)', r.rerun],
      ] as const) {
        print(
          `${name}: ${int(f.items)} items in ${fix(f.seconds, 1)} s = ${int(f.itemsPerS)} items/s; CPU per item: service ${fix(f.serviceCpuMsPerItem, 3)} ms, PostgreSQL ${fix(f.postgresCpuMsPerItem, 3)} ms`,
        );
      }
      print(`single route answers other than 201: ${r.single.non201}`);
      print(
        `import: exit ${r.imported.exitCode}, ${r.imported.summary}; its RSS max ${fix(r.imported.importRssMaxMb)} MB`,
      );
      print(`again: exit ${r.rerun.exitCode}, ${r.rerun.summary}; its RSS max ${fix(r.rerun.importRssMaxMb)} MB`);
      const ratio = r.imported.itemsPerS / r.single.itemsPerS;
      print(`import / single route: ${fix(ratio, 1)}x the items per second`);
      row(
        '8 batch',
        'import items/s (vs single route)',
        `${int(r.imported.itemsPerS)} (${fix(ratio, 1)}x ${int(r.single.itemsPerS)})`,
        '>= 10x the single route',
        ratio >= 10 && r.imported.exitCode === 0,
      );
      row(
        '8 batch',
        'service CPU per item: import / single',
        `${fix(r.imported.serviceCpuMsPerItem, 3)} / ${fix(r.single.serviceCpuMsPerItem, 3)} ms`,
        'reported',
        null,
      );
      row(
        '8 batch',
        'import again (already tracked) items/s',
        int(r.rerun.itemsPerS),
        'exit 0',
        r.rerun.exitCode === 0,
      );
      row(
        '8 batch',
        `the import command's RSS max (${int(SIZES.importLines)} lines)`,
        `${fix(r.imported.importRssMaxMb)} MB`,
        'reported (constant in the file size)',
        null,
      );
      print(`elapsed ${fix(r.elapsedS, 1)} s`);
    }
  } finally {
    await server.stop();
  }

  const totalS = (Date.now() - t0) / 1000;
  print(`\n=== Figures against targets${QUICK ? ' (BENCH_QUICK=1: small sizes, not the recorded figures)' : ''}`);
  const w = [18, 48, 30, 34];
  const line = (c: string[]) => c.map((x, i) => (i < w.length ? x.padEnd(w[i]) : x)).join(' | ');
  print(line(['benchmark', 'figure', 'value', 'target', 'met']));
  print(line(w.map((n) => '-'.repeat(n)).concat('----')));
  for (const r of rows)
    print(line([r.benchmark, r.figure, r.value, r.target, r.ok === null ? '' : r.ok ? 'yes' : 'NO']));
  print(
    `\nbench total (excluding the build) ${fix(totalS / 60, 1)} min; load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );

  const out = path.join(ROOT, 'bench', 'results', 'latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: QUICK,
        machine: mach,
        sizes: SIZES,
        table: rows,
        results,
        totalSeconds: totalS,
      },
      null,
      2,
    ),
  );
  log(`wrote ${path.relative(ROOT, out)}`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
