import { createHash, randomUUID } from 'node:crypto';
import { MediaStore } from '../../src/engine/media/media-store';
import { TrackedTransactionRepository } from '../../src/engine/persistence/tracked-transaction.repository';
import {
  expectedMedium,
  type FaultScript,
  type FaultType,
  type SimulatorKind,
  type SimulatorRequest,
  type TransactionScript,
} from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 6, item 4, "Hostile Jumio": ~45 transactions of every product, each scripted with faults on various
 * endpoints (5xx, 429 bursts, timeouts, resets, malformed / truncated / huge / deeply nested JSON, wrong content
 * types, media over JUMIO_MAX_MEDIA_BYTES, hrefs to loopback, private and metadata addresses). The manual clock
 * is driven through the schedule until every transaction is final; at every step the ones still open must keep
 * their schedule. Then: the service is healthy, nothing partial or foreign was stored, every failure is in the
 * attempt log with its cause, and Jumio's retrieval rules held for every transaction.
 */

const MAX_MEDIA_BYTES = 20_000;
const PATH_OF: Record<SimulatorKind, string> = {
  scan: 'id-verifications',
  document: 'document-verifications',
  authentication: 'authentications',
};
/** Faults whose answer a client cannot use: the simulator sent something, but not the resource. */
const CORRUPTING = new Set<FaultType | null>([
  'http500',
  'http429',
  'http403',
  'timeout',
  'reset',
  'malformed',
  'truncated',
  'huge-json',
  'deep-json',
  'wrong-content-type',
  'oversize',
]);
/** Outcomes that are answers rather than failures. */
const SUCCESS_OUTCOMES = new Set(['PENDING', 'DONE', 'FAILED', 'STORED']);
/** What each failure outcome's error must say. */
const CAUSE: Record<string, RegExp> = {
  HTTP_ERROR: /Jumio answered \d{3}/,
  RATE_LIMITED: /Jumio answered 429 Too Many Requests/,
  TIMEOUT: /no complete answer within 2000 ms/,
  NETWORK: /truncated: the connection closed before the whole body arrived|connection failed \(ECONNRESET\)/,
  MALFORMED:
    /the body is not valid JSON|JSON nested deeper than 64 levels|expected application\/json, got text\/html|unexpected content type (text\/html|application\/json) for a (image|facemap|pdf)|the body is not an? (JPEG|PNG|PDF)/,
  STALE_CONNECTION: /the reused connection closed before any answer; retried at once on a fresh connection/,
  TOO_LARGE: new RegExp(`the body exceeds the limit of (2097152|${MAX_MEDIA_BYTES}) bytes`),
  REFUSED:
    /refused: the href points to http:\/\/(127\.0\.0\.1:\d+|10\.0\.0\.1|169\.254\.169\.254), not the configured (scans|documents) host of US/,
};

type Recorded = { outcome: unknown; error: unknown };
const named = (r: SimulatorRequest, cause: RegExp) =>
  r.mediumName ? new RegExp(`^${r.mediumName}: ${cause.source}`) : new RegExp(`^${cause.source}`);
const answered: Recorded = { outcome: expect.stringMatching(/^(PENDING|DONE|FAILED|STORED|NOT_FOUND)$/), error: null };
/** How the attempt log must record a request, by the fault the simulator injected into it. */
const EXPECTED_RECORD: Record<FaultType | 'clean', (r: SimulatorRequest) => Recorded> = {
  clean: () => answered,
  slow: () => answered,
  'foreign-href': () => answered,
  'loopback-href': () => answered,
  http500: (r) => ({ outcome: 'HTTP_ERROR', error: expect.stringMatching(named(r, /Jumio answered 500$/)) }),
  http403: (r) => ({ outcome: 'FORBIDDEN', error: expect.stringMatching(named(r, /Jumio answered 403 Forbidden$/)) }),
  http429: (r) => ({
    outcome: 'RATE_LIMITED',
    error: expect.stringMatching(named(r, /Jumio answered 429 Too Many Requests( \(Retry-After \d+ s\))?$/)),
  }),
  timeout: (r) => ({
    outcome: 'TIMEOUT',
    error: expect.stringMatching(named(r, /no complete answer within 2000 ms$/)),
  }),
  // On a reused connection, the reset is the first half of a retry on a fresh one (which the fault resets too).
  reset: (r) => ({
    outcome: expect.stringMatching(/^(NETWORK|STALE_CONNECTION)$/),
    error: expect.stringMatching(
      new RegExp(`${named(r, /connection failed \(ECONNRESET\)$/).source}|^${CAUSE.STALE_CONNECTION.source}$`),
    ),
  }),
  malformed: (r) =>
    r.mediumName
      ? {
          outcome: 'MALFORMED',
          error: expect.stringMatching(
            named(r, /unexpected content type application\/json for a (image|facemap|pdf)$/),
          ),
        }
      : { outcome: 'MALFORMED', error: 'the body is not valid JSON' },
  truncated: (r) => ({
    outcome: 'NETWORK',
    error: expect.stringMatching(
      named(r, /truncated: the connection closed before the whole body arrived \(Content-Length \d+\)$/),
    ),
  }),
  'huge-json': () => ({ outcome: 'TOO_LARGE', error: 'the body exceeds the limit of 2097152 bytes' }),
  'deep-json': () => ({ outcome: 'MALFORMED', error: 'JSON nested deeper than 64 levels' }),
  'wrong-content-type': (r) =>
    r.mediumName
      ? {
          outcome: 'MALFORMED',
          error: expect.stringMatching(
            named(r, /unexpected content type (text\/html|application\/json) for a (image|facemap|pdf)$/),
          ),
        }
      : { outcome: 'MALFORMED', error: 'expected application/json, got text/html' },
  oversize: (r) => ({
    outcome: 'TOO_LARGE',
    error: expect.stringMatching(named(r, new RegExp(`the body exceeds the limit of ${MAX_MEDIA_BYTES} bytes$`))),
  }),
};

interface Case {
  kind: SimulatorKind;
  script?: Partial<TransactionScript>;
  faults: FaultScript[];
  /** Final state expected (default RETRIEVED). */
  state?: 'RETRIEVED' | 'NOT_FOUND' | 'EXHAUSTED';
  /** How many listed media must end REFUSED (href elsewhere, over the size limit). Default 0. */
  refused?: number;
}

const s = (endpoint: FaultScript['endpoint'], type: FaultType, extra: Partial<FaultScript> = {}): FaultScript => ({
  endpoint,
  type,
  ...extra,
});

const CASES: Case[] = [
  // status endpoints: transport errors and bodies the service must refuse; the schedule goes on
  { kind: 'scan', script: { pendingPolls: 1 }, faults: [s('status', 'http500', { times: 2 })] },
  { kind: 'scan', faults: [s('status', 'http429', { times: 3, retryAfterSeconds: 30 })] },
  { kind: 'scan', faults: [s('status', 'timeout', { delayMs: 10_000 })] },
  { kind: 'scan', faults: [s('status', 'reset', { times: 2 })] },
  { kind: 'scan', faults: [s('status', 'truncated')] },
  { kind: 'scan', faults: [s('status', 'huge-json')] },
  { kind: 'scan', faults: [s('status', 'deep-json')] },
  { kind: 'scan', faults: [s('status', 'wrong-content-type')] },
  { kind: 'scan', faults: [s('status', 'malformed'), s('status', 'truncated')] },
  { kind: 'document', script: { pendingPolls: 2 }, faults: [s('status', 'truncated')] },
  { kind: 'document', faults: [s('status', 'deep-json', { times: 2 })] },
  {
    kind: 'document',
    faults: [s('status', 'huge-json', { sizeBytes: 3 * 1024 * 1024 }), s('status', 'wrong-content-type')],
  },
  { kind: 'document', faults: [s('status', 'http429', { times: 2, retryAfterSeconds: 5 }), s('status', 'http500')] },
  { kind: 'authentication', faults: [s('status', 'deep-json')] },
  { kind: 'authentication', faults: [s('status', 'huge-json'), s('status', 'truncated')] },
  { kind: 'authentication', script: { pendingPolls: 1 }, faults: [s('status', 'wrong-content-type')] },
  { kind: 'authentication', faults: [s('status', 'reset'), s('status', 'timeout', { delayMs: 10_000 })] },
  { kind: 'authentication', faults: [s('status', 'loopback-href')], refused: 2 },
  { kind: 'authentication', faults: [s('status', 'foreign-href')], refused: 1 },
  // details and media lists
  { kind: 'scan', faults: [s('data', 'huge-json')] },
  { kind: 'scan', faults: [s('data', 'deep-json'), s('data', 'truncated')] },
  { kind: 'scan', faults: [s('images', 'wrong-content-type'), s('images', 'truncated')] },
  { kind: 'scan', faults: [s('images', 'loopback-href')], refused: 2 },
  { kind: 'scan', faults: [s('data', 'loopback-href')], refused: 1 },
  {
    kind: 'scan',
    script: { variant: 'quirky' },
    faults: [s('images', 'loopback-href'), s('data', 'malformed')],
    refused: 2,
  },
  { kind: 'scan', faults: [s('images', 'http500', { times: 2 }), s('images', 'http429', { retryAfterSeconds: 60 })] },
  { kind: 'document', faults: [s('data', 'deep-json', { times: 2 })] },
  { kind: 'document', faults: [s('pages', 'huge-json'), s('pages', 'reset')] },
  { kind: 'document', faults: [s('pages', 'loopback-href')], refused: 2 },
  { kind: 'document', faults: [s('data', 'loopback-href')], refused: 1 },
  // media
  { kind: 'scan', faults: [s('image', 'oversize', { sizeBytes: 200_000 }), s('facemap', 'truncated')], refused: 1 },
  {
    kind: 'scan',
    faults: [s('liveness', 'oversize', { times: 2, sizeBytes: 100_000 }), s('image', 'wrong-content-type')],
    refused: 2,
  },
  {
    kind: 'scan',
    faults: [s('facemap', 'oversize', { sizeBytes: MAX_MEDIA_BYTES + 1 }), s('image', 'truncated', { times: 2 })],
    refused: 1,
  },
  { kind: 'scan', faults: [s('facemap', 'wrong-content-type'), s('liveness', 'truncated')] },
  { kind: 'document', faults: [s('page', 'oversize', { sizeBytes: 50_000 }), s('original', 'truncated')], refused: 1 },
  { kind: 'document', faults: [s('original', 'oversize'), s('page', 'wrong-content-type', { times: 2 })], refused: 1 },
  {
    kind: 'document',
    faults: [s('original', 'wrong-content-type'), s('page', 'truncated'), s('page', 'timeout', { delayMs: 10_000 })],
  },
  {
    kind: 'authentication',
    faults: [s('image', 'oversize', { sizeBytes: 30_000 }), s('liveness', 'truncated')],
    refused: 1,
  },
  { kind: 'authentication', faults: [s('liveness', 'wrong-content-type', { times: 2 }), s('image', 'truncated')] },
  {
    kind: 'authentication',
    faults: [s('liveness', 'oversize', { sizeBytes: MAX_MEDIA_BYTES + 1 }), s('liveness', 'http500')],
    refused: 1,
  },
  // everything at once
  {
    kind: 'scan',
    script: { pendingPolls: 1 },
    faults: [
      s('status', 'http500'),
      s('data', 'truncated'),
      s('images', 'huge-json'),
      s('image', 'wrong-content-type'),
      s('liveness', 'truncated'),
      s('facemap', 'oversize', { sizeBytes: 40_000 }),
      s('any', 'http429', { times: 2 }),
    ],
    refused: 1,
  },
  {
    kind: 'document',
    faults: [
      s('status', 'wrong-content-type'),
      s('data', 'huge-json'),
      s('pages', 'deep-json'),
      s('page', 'truncated'),
      s('original', 'oversize', { sizeBytes: 25_000 }),
    ],
    refused: 1,
  },
  {
    kind: 'authentication',
    faults: [
      s('status', 'truncated'),
      s('status', 'deep-json'),
      s('image', 'truncated'),
      s('liveness', 'oversize', { sizeBytes: 60_000 }),
    ],
    refused: 1,
  },
  // other final states
  {
    kind: 'scan',
    script: { pendingPolls: 1, final: 'NOT_FOUND' },
    faults: [s('status', 'truncated')],
    state: 'NOT_FOUND',
  },
  {
    kind: 'document',
    script: { pendingPolls: 1_000_000 },
    faults: [s('status', 'huge-json'), s('status', 'deep-json'), s('status', 'truncated', { times: 3 })],
    state: 'EXHAUSTED',
  },
  { kind: 'authentication', script: { final: 'EXPIRED' }, faults: [s('status', 'deep-json')] },
  { kind: 'scan', script: { final: 'FAILED' }, faults: [s('data', 'truncated')] },
];

/** The media a transaction lists once final, by the simulator's defaults. */
function listedMedia(c: Case): string[] {
  const final = c.script?.final;
  if (c.kind === 'scan') {
    if (final === 'FAILED' || final === 'NOT_FOUND') return [];
    if (c.script?.variant === 'quirky') return ['front', 'liveness-1', 'liveness-2', 'facemap'];
    return ['front', 'back', 'face', 'liveness-1', 'liveness-2', 'facemap'];
  }
  if (c.kind === 'document') return final === 'FAILED' || final === 'NOT_FOUND' ? [] : ['page-1', 'page-2', 'original'];
  return final === 'EXPIRED' || final === 'NOT_FOUND' ? [] : ['face', 'liveness-1', 'liveness-2'];
}

/** A request the simulator deliberately corrupted is not a successful fetch, whatever status line it began with. */
function asTheClientSawIt(calls: SimulatorRequest[]): SimulatorRequest[] {
  return calls.map((c) => (CORRUPTING.has(c.fault) ? { ...c, httpStatus: null } : c));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const count = <T extends string>(items: T[]) =>
  items.reduce<Record<string, number>>((acc, k) => ((acc[k] = (acc[k] ?? 0) + 1), acc), {});

describe('Hostile Jumio: a scripted fault mix over every product', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JUMIO_MAX_MEDIA_BYTES: String(MAX_MEDIA_BYTES) } });
  });
  afterAll(() => t?.close());

  it('never crashes, never stores a partial or foreign medium, ends every transaction or keeps its schedule, and logs every cause', async () => {
    const wallStart = Date.now();
    const startedAt = t.clock.now();
    const { scheduleSeconds: offsets, dailyIntervalSeconds: daily, maxAgeDays } = t.config.reconciler;
    const maxAgeMs = maxAgeDays * 86_400_000;
    const cases = CASES.map((c) => ({ ...c, reference: randomUUID() as string }));
    const byRef = new Map(cases.map((c) => [c.reference, c]));

    for (const c of cases) {
      t.simulator.script({ kind: c.kind, reference: c.reference, ...c.script, faults: c.faults });
      await t
        .http()
        .post(`/v1/${PATH_OF[c.kind]}`)
        .set(bearer(BACKEND_KEY))
        .send({ reference: c.reference, acquiredAt: startedAt.toISOString() })
        .expect(201);
    }

    type OpenRow = {
      id: string;
      reference: string;
      state: string;
      status: string;
      attempts: number;
      acquired_at: Date;
      last_attempt_at: Date | null;
      next_attempt_at: Date | null;
      retry_after_until: Date | null;
    };
    const openRows = (): Promise<OpenRow[]> =>
      t.dataSource.query(
        `SELECT id::text AS id, reference::text AS reference, state, status, attempts, acquired_at, last_attempt_at, next_attempt_at, retry_after_until
           FROM tracked_transaction WHERE state IN ('AWAITING_CALLBACK', 'RECONCILING')`,
      );
    const lastCall = async (id: string): Promise<{ at: Date; outcome: string; error: string | null } | undefined> =>
      (
        await t.dataSource.query(
          `SELECT at, outcome, error FROM jumio_call WHERE transaction_id = $1 ORDER BY id DESC LIMIT 1`,
          [id],
        )
      )[0];

    /** Every open transaction is waiting for a time in the future that its schedule explains. */
    const checkSchedule = async (rows: OpenRow[]) => {
      const now = t.clock.now().getTime();
      for (const r of rows) {
        const where = `${byRef.get(r.reference)!.kind} ${r.reference} (${r.state}, ${r.status}, ${r.attempts} attempts)`;
        expect({ where, future: r.next_attempt_at !== null && r.next_attempt_at.getTime() > now }).toEqual({
          where,
          future: true,
        });
        const next = r.next_attempt_at!.getTime();
        const acquired = r.acquired_at.getTime();
        let expected: number;
        if (r.state === 'AWAITING_CALLBACK') {
          expected = acquired + 300_000;
        } else if (r.status !== 'DONE' && r.status !== 'FAILED') {
          // Waiting for the next status attempt: Jumio's offsets and gaps, then daily, a later Retry-After wins,
          // and never past the maximum age.
          const k = r.attempts;
          const last = r.last_attempt_at!.getTime();
          expected =
            k < offsets.length
              ? Math.max(acquired + offsets[k] * 1000, last + (offsets[k] - offsets[k - 1]) * 1000)
              : last + daily * 1000;
          if (r.retry_after_until) expected = Math.max(expected, r.retry_after_until.getTime());
          expected = Math.min(expected, acquired + maxAgeMs);
        } else {
          // Retrieving details and media after a failure in transit: the schedule's first gap, or a later Retry-After.
          const call = (await lastCall(r.id))!;
          const retryAfter = /Retry-After (\d+) s/.exec(call.error ?? '');
          expected =
            call.at.getTime() +
            Math.max((offsets[1] - offsets[0]) * 1000, retryAfter ? Number(retryAfter[1]) * 1000 : 0);
        }
        expect({ where, next: new Date(next).toISOString() }).toEqual({
          where,
          next: new Date(expected).toISOString(),
        });
      }
    };

    // Drive the clock from one due time to the next, draining each time, until nothing is open.
    let steps = 0;
    for (;;) {
      const rows = await openRows();
      if (rows.length === 0) break;
      await checkSchedule(rows);
      if (++steps > 400)
        throw new Error(`still open after 400 steps: ${rows.map((r) => `${r.reference} ${r.state}`).join(', ')}`);
      t.clock.set(Math.min(...rows.map((r) => r.next_attempt_at!.getTime())));
      await t.scheduler.drain();
    }

    // 1. The service is healthy and answers.
    await t.http().get('/health/ready').expect(200);
    await t.http().get('/health/live').expect(200);

    // 2. Nothing partial or foreign stored: every stored medium is exactly what the simulator serves for it
    //    (the bytes are encrypted at rest: read back through the media store, which decrypts them).
    const stored: {
      id: string;
      reference: string;
      name: string;
      content_type: string;
      byte_size: number;
      sha256: string;
      content: Buffer;
    }[] = await t.dataSource.query(
      `SELECT t.id::text AS id, t.reference::text AS reference, m.name, m.content_type, m.byte_size, m.sha256
         FROM stored_medium m JOIN tracked_transaction t ON t.id = m.transaction_id`,
    );
    for (const m of stored) m.content = (await t.app.get(MediaStore).get(m.id, m.name))!.bytes;
    for (const m of stored) {
      const c = byRef.get(m.reference)!;
      const expected = expectedMedium(c.kind, m.reference, m.name, { masked: true });
      const where = `${c.kind} ${m.reference}/${m.name}`;
      expect({
        where,
        contentType: m.content_type,
        size: m.byte_size,
        sha256: m.sha256,
        contentSha256: sha256(m.content),
      }).toEqual({
        where,
        contentType: expected.contentType,
        size: expected.bytes.length,
        sha256: sha256(expected.bytes),
        contentSha256: sha256(expected.bytes),
      });
      expect(m.content.length).toBeLessThanOrEqual(MAX_MEDIA_BYTES);
    }
    // No JSON that the transport refused reached storage either (the raw answers keep the hrefs Jumio listed,
    // refused ones included: that is the payload as it came, not a medium).
    // Those columns are encrypted at rest: read them decrypted, through the repository.
    const repository = t.app.get(TrackedTransactionRepository);
    const all: { kind: string; reference: string }[] = await t.dataSource.query(
      `SELECT kind, reference::text AS reference FROM tracked_transaction`,
    );
    const leaked: string[] = [];
    for (const { kind, reference } of all) {
      const row = (await repository.find(kind as never, reference))!;
      if (/(huge|deep)UnknownField/.test(JSON.stringify([row.rawStatus, row.rawDetails, row.rawMediaList, row.result])))
        leaked.push(reference);
    }
    expect(leaked).toEqual([]);

    // 3. Per transaction: final state, media, attempt log, rules.
    const calls: {
      reference: string;
      call_type: string;
      endpoint: string;
      http_status: number | null;
      outcome: string;
      error: string | null;
    }[] = await t.dataSource.query(
      `SELECT t.reference::text AS reference, c.call_type, c.endpoint, c.http_status, c.outcome, c.error
         FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id ORDER BY c.id`,
    );
    const plans: {
      reference: string;
      media_plan: { name: string; outcome: string | null; reason: string | null }[] | null;
    }[] = await t.dataSource.query(`SELECT reference::text AS reference, media_plan FROM tracked_transaction`);
    const planOf = new Map(plans.map((p) => [p.reference, p.media_plan ?? []]));
    const finalStates: string[] = [];
    for (const c of cases) {
      const where = `${c.kind} ${c.reference} ${JSON.stringify(c.faults.map((f) => `${f.endpoint}:${f.type}`))}`;
      const v = (await t.http().get(`/v1/${PATH_OF[c.kind]}/${c.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      finalStates.push(v.tracking.state);
      // The view never sends a client to an address Jumio should not have named.
      expect({ where, foreign: /127\.0\.0\.1:[12]\/|10\.0\.0\.1|169\.254\.169\.254/.test(JSON.stringify(v)) }).toEqual({
        where,
        foreign: false,
      });
      expect({ where, state: v.tracking.state }).toEqual({ where, state: c.state ?? 'RETRIEVED' });

      const plan = planOf.get(c.reference)!;
      const viewNames = (v.media as { name: string }[]).map((m) => m.name).sort();
      const storedNames = stored
        .filter((m) => m.reference === c.reference)
        .map((m) => m.name)
        .sort();
      const planStored = plan
        .filter((e) => e.outcome === 'STORED')
        .map((e) => e.name)
        .sort();
      const planRefused = plan.filter((e) => e.outcome === 'REFUSED');
      if ((c.state ?? 'RETRIEVED') === 'RETRIEVED') {
        expect({ where, listed: plan.map((e) => e.name).sort() }).toEqual({ where, listed: listedMedia(c).sort() });
        expect({ where, open: plan.filter((e) => e.outcome === null).map((e) => e.name) }).toEqual({ where, open: [] });
      }
      // What the view shows is exactly what was stored whole; every medium that failed is absent from it.
      expect({ where, view: viewNames, stored: storedNames }).toEqual({ where, view: planStored, stored: planStored });
      expect({ where, refused: planRefused.length }).toEqual({ where, refused: c.refused ?? 0 });

      const mine = calls.filter((k) => k.reference === c.reference);
      for (const k of mine) {
        if (SUCCESS_OUTCOMES.has(k.outcome) || (k.outcome === 'NOT_FOUND' && k.call_type === 'status')) continue;
        const cause = CAUSE[k.outcome];
        expect({ where, outcome: k.outcome, known: cause !== undefined }).toEqual({
          where,
          outcome: k.outcome,
          known: true,
        });
        expect({ where, outcome: k.outcome, error: k.error }).toEqual({
          where,
          outcome: k.outcome,
          error: expect.stringMatching(cause),
        });
      }
      // Every refused medium has its cause in the log, under its name.
      for (const e of planRefused) {
        expect({
          where,
          name: e.name,
          logged: mine.some(
            (k) =>
              k.call_type === 'medium' &&
              ['REFUSED', 'TOO_LARGE'].includes(k.outcome) &&
              (k.error ?? '').startsWith(`${e.name}: `),
          ),
        }).toEqual({
          where,
          name: e.name,
          logged: true,
        });
      }
      // Every request Jumio (the simulator) saw is in the attempt log, in order, and each fault the simulator
      // injected is recorded as the failure it is, with its cause.
      const seen = t.simulator.requests({ reference: c.reference });
      const sent = mine.filter((k) => k.outcome !== 'REFUSED');
      expect({ where, logged: sent.map((k) => k.endpoint.split('?')[0]) }).toEqual({
        where,
        logged: seen.map((r) => r.path),
      });
      seen.forEach((r, i) => {
        const k = sent[i];
        const got = { where, request: `${r.path} ${r.fault ?? 'clean'}`, outcome: k.outcome, error: k.error };
        expect(got).toEqual({ ...got, ...EXPECTED_RECORD[r.fault ?? 'clean'](r) });
      });
      expect({ where, violations: ruleViolations(asTheClientSawIt(seen)) }).toEqual({ where, violations: [] });
    }

    // 4. The summary for docs/reliability.md.
    const allSeen = t.simulator.requests();
    const injected = allSeen
      .filter((r) => r.fault !== null && byRef.has(r.reference ?? ''))
      .map((r) => r.fault as string);
    const scripted: Record<string, number> = {};
    for (const c of cases) for (const f of c.faults) scripted[f.type] = (scripted[f.type] ?? 0) + (f.times ?? 1);
    const summary = {
      transactions: cases.length,
      byKind: count(cases.map((c) => c.kind)),
      faultsScripted: scripted,
      faultsInjected: count(injected),
      finalStates: count(finalStates),
      callsToJumio: allSeen.filter((r) => byRef.has(r.reference ?? '')).length,
      attemptLogRows: calls.length,
      attemptLogByOutcome: count(calls.map((k) => k.outcome)),
      mediaStored: stored.length,
      mediaRefused: [...planOf.values()].flat().filter((e) => e.outcome === 'REFUSED').length,
      clockSteps: steps,
      simulatedDays: Math.round(((t.clock.now().getTime() - startedAt.getTime()) / 86_400_000) * 10) / 10,
      wallSeconds: Math.round((Date.now() - wallStart) / 100) / 10,
    };
    console.log(`hostile-jumio summary\n${JSON.stringify(summary, null, 2)}`);
    expect(summary.finalStates).toEqual(count(cases.map((c) => c.state ?? 'RETRIEVED')));
  }, 60_000);
});
