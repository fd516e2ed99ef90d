/**
 * Admin query plans at a million tracked transactions (issue 5).
 *
 *   npm run bench:admin-plans                   # embedded PostgreSQL in a temp directory
 *   DATABASE_URL=postgres://... npm run bench:admin-plans   # a server: a scratch database is created and dropped
 *   BENCH_ROWS=200000 npm run bench:admin-plans  # fewer rows
 *
 * Loads a realistic mix with INSERT ... SELECT generate_series, ANALYZEs, then runs every admin query through the
 * real code (the persistence classes, AttemptLog, MediaStore: the SQL lives there, not here), records the
 * SQL each one sent, and prints EXPLAIN (ANALYZE, BUFFERS) of each with its time. Exits 1 when any plan reads
 * tracked_transaction, jumio_call or change_event with a Seq Scan.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { databaseOptions } from '../src/database/database-options.js';
import { CallbackInbox } from '../src/engine/callbacks/callback-inbox.js';
import { DataCipher } from '../src/engine/crypto/data-cipher.js';
import { onPersonalDataPurged } from '../src/engine/domain/tracking-state-machine.js';
import { PostgresMediaStore } from '../src/engine/media/media-store.js';
import { MetricsService } from '../src/operations/metrics.service.js';
import { ChangeFeed } from '../src/engine/feed/change-feed.js';
import { AttemptLog } from '../src/engine/persistence/attempt-log.js';
import { TrackedTransactionRepository } from '../src/engine/persistence/tracked-transaction.repository.js';
import { TransactionClaims } from '../src/engine/persistence/transaction-claims.js';
import { TransactionPurge } from '../src/engine/persistence/transaction-purge.js';
import { JumioDeletionSaves } from '../src/engine/persistence/jumio-deletion-saves.js';
import {
  TransactionReports,
  type ListPosition,
  type TransactionFilter,
} from '../src/engine/persistence/transaction-reports.js';
import { TransactionRowCodec } from '../src/engine/persistence/transaction-row-codec.js';
import { PersonalDataPurge } from '../src/engine/retention/personal-data-purge.js';
import { adminQuery, log, print, startServer } from './lib/support.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/** The bench's "now": the data spans the 90 days before it, plus one day older than the retention age. */
const NOW = new Date('2026-11-26T10:00:00.000Z');
const DAY = 86_400_000;
const START = new Date(NOW.getTime() - 91 * DAY);
const RETENTION_DAYS = 90;
const WATCHED = /(?:Parallel )?Seq Scan on (tracked_transaction|jumio_call|change_event)\b/;

/** Records the SQL (and parameters) TypeORM sends while recording is on. */
class CapturingLogger implements TypeOrmLogger {
  private recorded: { sql: string; parameters: unknown[] }[] | null = null;
  start(): void {
    this.recorded = [];
  }
  stop(): { sql: string; parameters: unknown[] }[] {
    const r = this.recorded ?? [];
    this.recorded = null;
    return r.filter((q) => !/^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SET |SELECT version\(\))/i.test(q.sql));
  }
  logQuery(query: string, parameters?: unknown[]): void {
    this.recorded?.push({ sql: query, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

interface Case {
  name: string;
  /** Reads run twice (the second, warm run is timed); writes once. */
  write?: boolean;
  run: () => Promise<unknown>;
}

interface Figure {
  name: string;
  query: number;
  nodes: string[];
  executionMs: number;
  wallMs: number;
  seqScan: boolean;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const server = await startServer();
  const serverUrl = server.url;
  const dbName = `jf_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const logger = new CapturingLogger();
  const ds = new DataSource({
    ...databaseOptions(url.toString(), { poolSize: 4, applicationName: 'jumio-fallback-bench' }),
    logger,
  });
  let failed = false;
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    log(`migrated ${dbName}; loading ${ROWS.toLocaleString('en')} tracked transactions...`);
    const loadStart = Date.now();
    await load(ds);
    log(`loaded in ${((Date.now() - loadStart) / 1000).toFixed(1)} s: ${await sizes(ds)}`);

    const cipher = new DataCipher([{ id: 'bench', key: randomBytes(32) }]);
    const media = new PostgresMediaStore(ds, cipher);
    const attempts = new AttemptLog(ds);
    const feed = new ChangeFeed(ds, new MetricsService());
    const codec = new TransactionRowCodec(ds, cipher);
    const repo = new TrackedTransactionRepository(ds, codec);
    const claims = new TransactionClaims(ds, codec);
    const reports = new TransactionReports(ds, codec);
    const purges = new PersonalDataPurge(
      ds,
      repo,
      new TransactionPurge(codec),
      media,
      new CallbackInbox(ds, cipher),
      new JumioDeletionSaves(),
    );
    const fixtures = await pickFixtures(ds);

    const list =
      (filter: TransactionFilter, after: ListPosition | null = null) =>
      async () => {
        const rows = await reports.list(filter, after, 51);
        await media.listMany(rows.slice(0, 50).map((r) => r.row.id));
        return rows;
      };
    const deep = (filter: TransactionFilter) => positionAt(ds, filter, Math.floor(fixtures.count(filter) / 2));
    const lastDay: TransactionFilter = {
      createdFrom: new Date(NOW.getTime() - 45 * DAY),
      createdTo: new Date(NOW.getTime() - 44 * DAY),
    };
    const cases: Case[] = [
      { name: 'list: no filter, first page', run: list({}) },
      { name: 'list: no filter, deep page (middle of the table)', run: list({}, await deep({})) },
      { name: 'list: kind=authentications', run: list({ kind: 'authentications' }) },
      {
        name: 'list: kind=authentications, deep page',
        run: list({ kind: 'authentications' }, await deep({ kind: 'authentications' })),
      },
      { name: 'list: state=RETRIEVED (common)', run: list({ state: 'RETRIEVED' }) },
      { name: 'list: state=RECONCILING (rare)', run: list({ state: 'RECONCILING' }) },
      {
        name: 'list: state=EXHAUSTED, deep page',
        run: list({ state: 'EXHAUSTED' }, await deep({ state: 'EXHAUSTED' })),
      },
      { name: 'list: status=FAILED', run: list({ status: 'FAILED' }) },
      {
        name: 'list: status=NOT_FOUND, deep page',
        run: list({ status: 'NOT_FOUND' }, await deep({ status: 'NOT_FOUND' })),
      },
      { name: 'list: customerReference', run: list({ customerReference: fixtures.customerReference }) },
      { name: 'list: merchantReference', run: list({ merchantReference: fixtures.merchantReference }) },
      { name: 'list: account (2 % of the rows)', run: list({ account: 'second' }) },
      { name: 'list: account, deep page', run: list({ account: 'second' }, await deep({ account: 'second' })) },
      { name: 'list: createdFrom..createdTo (one day)', run: list(lastDay) },
      { name: 'list: createdFrom..createdTo, deep page', run: list(lastDay, await deep(lastDay)) },
      { name: 'list: kind + state', run: list({ kind: 'document-verifications', state: 'NOT_FOUND' }) },
      {
        name: 'list: kind + state, deep page',
        run: list(
          { kind: 'id-verifications', state: 'RETRIEVED' },
          await deep({ kind: 'id-verifications', state: 'RETRIEVED' }),
        ),
      },
      {
        name: 'list: kind + status + createdFrom..createdTo',
        run: list({ kind: 'id-verifications', status: 'DONE', ...lastDay }),
      },
      {
        name: 'list: state + customerReference',
        run: list({ state: 'RETRIEVED', customerReference: fixtures.customerReference }),
      },
      {
        name: 'attempts: find + calls of one transaction',
        run: async () =>
          attempts.forTransaction((await repo.find(fixtures.withCalls.kind, fixtures.withCalls.reference))!.id),
      },
      {
        name: 'events: find + events of one transaction',
        run: async () => {
          const row = (await repo.find(fixtures.withCalls.kind, fixtures.withCalls.reference))!;
          return feed.forTransaction(row.kind, row.reference);
        },
      },
      { name: 'stats: counts by kind and state', run: () => reports.countByKindAndState() },
      { name: 'stats: due now', run: () => reports.countDue(NOW) },
      { name: 'stats: oldest overdue', run: () => reports.oldestOverdue(NOW) },
      {
        name: 'stats: Jumio calls of the last hour',
        run: () => attempts.countsSince(new Date(NOW.getTime() - 3_600_000)),
      },
      {
        name: 'retention: one batch of 200',
        write: true,
        run: () =>
          purges.purgeExpiredBatch(new Date(NOW.getTime() - RETENTION_DAYS * DAY), 200, NOW, (row) =>
            onPersonalDataPurged(row, NOW),
          ),
      },
      { name: "reconciler's claim (8 due)", write: true, run: () => claims.claimDue('bench/1', NOW, 8, 60) },
      {
        name: 'reconcile: forced attempt on one transaction',
        write: true,
        run: () =>
          repo.forceAttempt(fixtures.reconciling.kind, fixtures.reconciling.reference, 'bench', NOW, () => ({
            patch: { nextAttemptAt: NOW },
            events: [],
            dueAt: NOW,
            dropLease: false,
          })),
      },
      {
        name: 'purge: personal data of one transaction',
        write: true,
        run: () =>
          purges.purgePersonalData(fixtures.withCalls.kind, fixtures.withCalls.reference, NOW, (row) =>
            onPersonalDataPurged(row, NOW),
          ),
      },
    ];

    const figures: Figure[] = [];
    for (const c of cases) {
      if (!c.write) await c.run(); // warm
      logger.start();
      const started = process.hrtime.bigint();
      await c.run();
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const queries = logger.stop();
      print(`\n=== ${c.name}: ${wallMs.toFixed(1)} ms for ${queries.length} quer${queries.length === 1 ? 'y' : 'ies'}`);
      // The same statement repeated (one event per purged row) is explained once.
      const distinct = new Map<string, { sql: string; parameters: unknown[]; times: number }>();
      for (const q of queries) {
        const seen = distinct.get(q.sql);
        if (seen) seen.times++;
        else distinct.set(q.sql, { ...q, times: 1 });
      }
      for (const [i, q] of [...distinct.values()].entries()) {
        const plan = await explain(ds, q.sql, q.parameters);
        const text = plan.join('\n');
        const execution = /Execution Time: ([\d.]+) ms/.exec(text);
        const seqScan = WATCHED.test(text);
        failed ||= seqScan;
        print(`--- query ${i + 1}${q.times > 1 ? ` (sent ${q.times} times)` : ''}: ${oneLine(q.sql)}`);
        print(text);
        figures.push({
          name: c.name,
          query: i + 1,
          nodes: scanNodes(plan),
          executionMs: execution ? Number(execution[1]) : NaN,
          wallMs,
          seqScan,
        });
      }
    }

    print(
      `\n=== summary (${ROWS.toLocaleString('en')} tracked transactions; execution time from EXPLAIN ANALYZE, wall time of the whole call)`,
    );
    for (const f of figures) {
      print(
        `${f.seqScan ? 'SEQ SCAN ' : ''}${f.name} [q${f.query}]: ${f.executionMs.toFixed(3)} ms (call ${f.wallMs.toFixed(1)} ms) :: ${f.nodes.join('; ') || 'no table scan'}`,
      );
    }
    print(
      failed
        ? '\nFAIL: a plan reads tracked_transaction, jumio_call or change_event with a Seq Scan'
        : '\nOK: every plan stays on an index path',
    );
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await server.stop();
  }
  process.exitCode = failed ? 1 : 0;
}

async function load(ds: DataSource): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => ds.query(sql, params);
  await q(`SELECT setseed(0.42)`);
  await q(
    `INSERT INTO tracked_transaction (kind, reference, datacenter, account, merchant_reference, customer_reference, acquired_at,
       callback_grace_seconds, callback_deadline, state, status, jumio_status_raw, callback_received_at, reconcile_started_at,
       attempts, last_attempt_at, next_attempt_at, raw_status, raw_details, raw_media_list, media_plan, result,
       retrieved_at, purged_at, personal_data_at, created_at, updated_at)
     SELECT kind, reference, datacenter, CASE WHEN n % 50 = 0 THEN 'second' ELSE 'default' END, merchant_reference,
            customer_reference, created_at - interval '10 seconds',
            300, created_at + interval '290 seconds', state, status,
            CASE WHEN status IN ('DONE', 'FAILED') THEN status END,
            CASE WHEN state = 'CALLBACK_RECEIVED' THEN created_at + interval '20 seconds' END,
            CASE WHEN state IN ('RECONCILING', 'RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'PURGED') THEN created_at + interval '290 seconds' END,
            CASE WHEN state IN ('AWAITING_CALLBACK', 'CALLBACK_RECEIVED') THEN 0 WHEN state = 'EXHAUSTED' THEN 40 ELSE 1 + (r3 * 3)::int END,
            CASE WHEN state NOT IN ('AWAITING_CALLBACK', 'CALLBACK_RECEIVED') THEN created_at + interval '300 seconds' END,
            CASE WHEN state = 'AWAITING_CALLBACK' THEN created_at + interval '290 seconds'
                 WHEN state = 'RECONCILING' THEN $1::timestamptz - interval '1 hour' + r3 * interval '25 hours' END,
            CASE WHEN personal THEN jsonb_build_object('status', status, 'timestamp', created_at) END,
            CASE WHEN personal THEN jsonb_build_object('document', jsonb_build_object('firstName', 'JANE-' || n, 'lastName', 'DOE-' || n,
                   'dob', '1980-01-01', 'number', lpad(n::text, 9, '0'), 'address', jsonb_build_object('line1', n || ' EASY STREET', 'city', 'VIENNA')),
                   'transaction', jsonb_build_object('customerId', 'CUSTOMER-' || n, 'clientIp', '203.0.113.7', 'source', 'WEB_UPLOAD'),
                   'verification', jsonb_build_object('mrzCheck', 'OK', 'identityVerification', jsonb_build_object('similarity', 'MATCH', 'validity', 'true')),
                   'note', repeat('x', 300)) END,
            CASE WHEN personal THEN jsonb_build_object('images', jsonb_build_array(jsonb_build_object('classifier', 'front', 'href', 'https://lon.netverify.com/api/netverify/v2/scans/' || reference || '/images/front'))) END,
            CASE WHEN personal THEN jsonb_build_array(jsonb_build_object('name', 'front', 'href', 'https://lon.netverify.com/api/netverify/v2/scans/' || reference || '/images/front', 'mediumClass', 'image', 'outcome', 'STORED', 'reason', null)) END,
            CASE WHEN personal THEN jsonb_build_object('document', jsonb_build_object('firstName', 'JANE-' || n, 'lastName', 'DOE-' || n, 'dob', '1980-01-01', 'type', 'ID_CARD'),
                   'verification', jsonb_build_object('mrzCheck', 'OK', 'rejectReason', null)) END,
            CASE WHEN state IN ('RETRIEVED', 'PURGED') THEN created_at + interval '302 seconds' END,
            CASE WHEN state = 'PURGED' THEN created_at + interval '1 day' END,
            CASE WHEN personal THEN created_at + interval '301 seconds' END,
            created_at, created_at + interval '302 seconds'
       FROM (SELECT n, kind, reference, datacenter, merchant_reference, customer_reference, created_at, state, r3,
                    CASE WHEN state = 'RETRIEVED' THEN (CASE WHEN r3 < 0.9 THEN 'DONE' ELSE 'FAILED' END)
                         WHEN state = 'NOT_FOUND' THEN 'NOT_FOUND' WHEN state IN ('RECONCILING', 'EXHAUSTED') THEN 'PENDING'
                         WHEN state = 'PURGED' THEN 'DONE' ELSE 'UNKNOWN' END AS status,
                    state = 'RETRIEVED' AS personal
               FROM (SELECT n, kind, reference, datacenter, merchant_reference, customer_reference, created_at, r3,
                            CASE WHEN age < interval '10 minutes' THEN 'AWAITING_CALLBACK'
                                 WHEN age < interval '30 days' AND r2 < 0.01 THEN 'RECONCILING'
                                 WHEN r2 < 0.80 THEN 'RETRIEVED'
                                 WHEN r2 < 0.90 THEN 'CALLBACK_RECEIVED'
                                 WHEN r2 < 0.94 THEN 'NOT_FOUND'
                                 WHEN r2 < 0.96 THEN (CASE WHEN age > interval '30 days' THEN 'EXHAUSTED' ELSE 'RECONCILING' END)
                                 ELSE 'PURGED' END AS state
                       FROM (SELECT n, r2, r3, $1::timestamptz - created_at AS age, created_at,
                                    CASE WHEN r1 < 0.60 THEN 'id-verifications' WHEN r1 < 0.85 THEN 'document-verifications' ELSE 'authentications' END AS kind,
                                    md5('bench-' || n)::uuid AS reference,
                                    CASE WHEN r3 < 0.5 THEN 'EU' WHEN r3 < 0.9 THEN 'US' ELSE 'SGP' END AS datacenter,
                                    CASE WHEN r4 < 0.8 THEN 'order-' || n END AS merchant_reference,
                                    CASE WHEN r5 < 0.7 THEN 'user-' || (n % ($3::int / 4 + 1)) END AS customer_reference
                               FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                                            $2::timestamptz + (n::float8 / $3) * ($1::timestamptz - $2::timestamptz) AS created_at
                                       FROM generate_series(1, $3::int) n) g) a) b) c`,
    [NOW, START, ROWS],
  );
  await q(
    `INSERT INTO jumio_call (transaction_id, at, endpoint, call_type, http_status, duration_ms, outcome, error, counts_as_attempt, actor, claim)
     SELECT t.id, t.created_at + make_interval(secs => 300 + k), '/api/netverify/v2/scans/' || t.reference || (CASE k WHEN 1 THEN '' WHEN 2 THEN '/data' ELSE '/images' END),
            CASE k WHEN 1 THEN 'status' WHEN 2 THEN 'details' ELSE 'media-list' END, CASE WHEN t.state = 'NOT_FOUND' THEN 404 ELSE 200 END,
            40 + k * 7, CASE WHEN k = 1 THEN t.status ELSE 'STORED' END, NULL, k = 1, NULL, 'bench:1/' || (t.id % 1000)
       FROM tracked_transaction t CROSS JOIN generate_series(1, 3) k
      WHERE t.state IN ('RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'RECONCILING', 'PURGED') AND t.id % 2 = 0`,
  );
  // The last hour of calls (stats).
  await q(
    `INSERT INTO jumio_call (transaction_id, at, endpoint, call_type, http_status, duration_ms, outcome, error, counts_as_attempt)
     SELECT t.id, $1::timestamptz - random() * interval '59 minutes', '/api/netverify/v2/scans/' || t.reference, 'status', 200, 50, 'PENDING', NULL, true
       FROM tracked_transaction t WHERE t.state = 'RECONCILING' AND t.id % 7 = 0`,
    [NOW],
  );
  await q(
    `INSERT INTO stored_medium (transaction_id, name, content_type, byte_size, sha256, content, stored_at)
     SELECT t.id, m.name, 'image/jpeg', 64, md5(t.id || m.name), decode(repeat(md5(t.id || m.name), 4), 'hex'), t.retrieved_at
       FROM tracked_transaction t CROSS JOIN (VALUES ('front'), ('back'), ('face')) m(name)
      WHERE t.state = 'RETRIEVED' AND t.id % 20 = 0`,
  );
  // The change feed: TRACKED for each, and what a retrieval or a purge adds.
  await q(
    `INSERT INTO change_event (kind, reference, type, at)
     SELECT t.kind, t.reference, e.type, t.created_at + make_interval(secs => e.ord)
       FROM tracked_transaction t
       CROSS JOIN LATERAL (VALUES ('TRACKED', 0), ('CALLBACK_MISSED', 300), ('RETRIEVED', 360), ('PERSONAL_DATA_PURGED', 400)) e(type, ord)
      WHERE e.type = 'TRACKED' OR (e.type IN ('CALLBACK_MISSED', 'RETRIEVED') AND t.state IN ('RETRIEVED', 'PURGED'))
         OR (e.type = 'PERSONAL_DATA_PURGED' AND t.state = 'PURGED')`,
  );
  await q(`VACUUM ANALYZE tracked_transaction`);
  await q(`VACUUM ANALYZE jumio_call`);
  await q(`VACUUM ANALYZE stored_medium`);
  await q(`VACUUM ANALYZE change_event`);
}

async function sizes(ds: DataSource): Promise<string> {
  const rows: { relname: string; n: string; size: string }[] = await ds.query(
    `SELECT c.relname, c.reltuples::bigint::text AS n, pg_size_pretty(pg_total_relation_size(c.oid)) AS size
       FROM pg_class c WHERE c.relname IN ('tracked_transaction', 'jumio_call', 'stored_medium') ORDER BY c.relname`,
  );
  return rows.map((r) => `${r.relname} ${Number(r.n).toLocaleString('en')} rows ${r.size}`).join(', ');
}

/** Fixture values, and the number of rows a filter matches (to pick a deep page). */
async function pickFixtures(ds: DataSource) {
  const [withCalls] = await ds.query(
    `SELECT t.kind, t.reference FROM tracked_transaction t WHERE t.state = 'RETRIEVED' AND t.id % 2 = 0 AND t.id % 20 = 0 ORDER BY t.id DESC LIMIT 1`,
  );
  const [reconciling] = await ds.query(
    `SELECT kind, reference FROM tracked_transaction WHERE state = 'RECONCILING' ORDER BY id DESC LIMIT 1`,
  );
  const [{ customer_reference: customerReference }] = await ds.query(
    `SELECT customer_reference FROM tracked_transaction WHERE customer_reference IS NOT NULL ORDER BY id LIMIT 1 OFFSET 1000`,
  );
  const [{ merchant_reference: merchantReference }] = await ds.query(
    `SELECT merchant_reference FROM tracked_transaction WHERE merchant_reference IS NOT NULL ORDER BY id LIMIT 1 OFFSET 1000`,
  );
  const counts = new Map<string, number>();
  for (const r of await ds.query(
    `SELECT kind, state, status, count(*)::int AS n FROM tracked_transaction GROUP BY kind, state, status`,
  )) {
    for (const key of [
      `kind=${r.kind}`,
      `state=${r.state}`,
      `status=${r.status}`,
      `kind=${r.kind}&state=${r.state}`,
      '',
    ]) {
      counts.set(key, (counts.get(key) ?? 0) + r.n);
    }
  }
  return {
    withCalls: withCalls as { kind: 'id-verifications'; reference: string },
    reconciling: reconciling as { kind: 'id-verifications'; reference: string },
    customerReference: customerReference as string,
    merchantReference: merchantReference as string,
    count(filter: TransactionFilter): number {
      if (filter.createdFrom && filter.createdTo)
        return Math.round(
          (ROWS * (filter.createdTo.getTime() - filter.createdFrom.getTime())) / (NOW.getTime() - START.getTime()),
        );
      const key = [
        filter.kind && `kind=${filter.kind}`,
        filter.state && `state=${filter.state}`,
        filter.status && `status=${filter.status}`,
      ]
        .filter(Boolean)
        .join('&');
      return counts.get(key) ?? 0;
    },
  };
}

/** The list position of the n-th row (newest first) a filter matches: where a client paging that far would be. */
async function positionAt(ds: DataSource, filter: TransactionFilter, n: number): Promise<ListPosition> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.state) add('state = ?', filter.state);
  if (filter.status) add('status = ?', filter.status);
  if (filter.createdFrom) add('created_at >= ?', filter.createdFrom);
  if (filter.createdTo) add('created_at < ?', filter.createdTo);
  values.push(Math.max(0, n));
  const [row] = await ds.query(
    `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, id::text AS id
       FROM tracked_transaction ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC OFFSET $${values.length} LIMIT 1`,
    values,
  );
  return { createdAt: row.created_at, id: row.id };
}

/** EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back, so writes leave nothing behind. */
async function explain(ds: DataSource, sql: string, parameters: unknown[]): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    const rows: { 'QUERY PLAN': string }[] = await qr.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, parameters);
    return rows.map((r) => r['QUERY PLAN']);
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
  }
}

/** The plan nodes that read a table or an index. */
function scanNodes(plan: string[]): string[] {
  const nodes: string[] = [];
  for (const line of plan) {
    const m =
      /((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?)(?: using (\S+))? on (\S+)/.exec(
        line,
      );
    if (m) nodes.push(m[2] ? `${m[1]} using ${m[2]} on ${m[3]}` : `${m[1]} on ${m[3]}`);
  }
  return nodes;
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 220);

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(2);
});
