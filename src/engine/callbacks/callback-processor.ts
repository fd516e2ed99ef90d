import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource, type EntityManager } from 'typeorm';
import { DEFAULT_ACCOUNT, type AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { JumioAccounts } from '../accounts/jumio-accounts.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { Clock } from '../clock/clock.js';
import type { Datacenter } from '../../common/kinds.js';
import { JumioPayloadError } from '../domain/product-contracts.js';
import { type RetrievalSchedule, scheduleOf } from '../domain/retrieval-schedule.js';
import { onCallbackArrived, onCallbackReported } from '../domain/tracking-state-machine.js';
import { JumioTransport } from '../jumio-transport/jumio-transport.js';
import { unstorableJsonReason } from '../normalization/json-budget.js';
import { parseJumioTimestamp } from '../normalization/timestamps.js';
import type { TrackedTransactionEntity } from '../persistence/tracked-transaction.entity.js';
import { trackingRecordOf as record } from '../persistence/tracking-record.js';
import type { StepWrites } from '../persistence/step-saves.js';
import { TrackedTransactionRepository, type RowPatch } from '../persistence/tracked-transaction.repository.js';
import type { ProductDefinition } from '../product-kit/product-definition.js';
import { ProductRegistry } from '../product-kit/product-registry.js';
import { newTrackedTransaction } from '../domain/new-tracked-transaction.js';
import { normalizeContextOf } from '../normalization/normalize-context.js';
import { CallbackInbox, type CallbackOutcome, type StoredCallback } from './callback-inbox.js';
import { parseCallbackForm } from './callback-form.js';
import type { CallbackContent, CallbackFields } from '../product-kit/callback-reader.js';

const INTERVAL_NAME = 'callback-inbox';
const SWEEP_BATCH = 50;

type Reading =
  | {
      ok: true;
      fields: CallbackFields;
      content: CallbackContent;
      verdict: { status: 'DONE' | 'FAILED'; raw: string };
      result: Record<string, unknown>;
    }
  | { ok: false; fields: CallbackFields | null; error: string };

/**
 * Processes the callbacks of the inbox, each once, in one database transaction with the change it makes: the
 * callback row is locked (SKIP LOCKED: replicas take different ones), the transaction row locked or created, the
 * view filled from the callback through the product's own normalizer, and the callback marked processed. A crash
 * anywhere before the commit leaves the callback unprocessed for the next run: right after it is stored (in this
 * replica) and every poll interval (any replica with the reconciler enabled).
 */
@Injectable()
export class CallbackProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallbackProcessor.name);
  private readonly schedule: RetrievalSchedule;
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly inbox: CallbackInbox,
    private readonly repository: TrackedTransactionRepository,
    private readonly products: ProductRegistry,
    private readonly transport: JumioTransport,
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
    private readonly schedulerRegistry: SchedulerRegistry,
    private readonly accounts: JumioAccounts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.schedule = scheduleOf(config);
    metrics.onScrape(async () => {
      const held = await this.inbox.setAside();
      metrics.callbacksSetAside.set({ reason: 'MALFORMED' }, held.malformed);
      metrics.callbacksSetAside.set({ reason: 'PROCESSING_FAILED' }, held.failing);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.reconciler.enabled) return;
    const handle = setInterval(() => void this.track(this.sweep()), this.config.reconciler.pollIntervalMs);
    this.schedulerRegistry.addInterval(INTERVAL_NAME, handle);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.schedulerRegistry.doesExist('interval', INTERVAL_NAME))
      this.schedulerRegistry.deleteInterval(INTERVAL_NAME);
    await Promise.allSettled([...this.running]);
  }

  /** Called once a callback is stored: processed at once when this replica runs background work. */
  stored(id: string): void {
    if (!this.config.reconciler.enabled || this.stopping) return;
    setImmediate(() => void this.track(this.processOne(id)));
  }

  /** Processes everything in the inbox (tests call it; the interval runs it). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await this.sweep();
  }

  private track(work: Promise<void>): Promise<void> {
    const p = work.catch(() => undefined).finally(() => this.running.delete(p));
    this.running.add(p);
    return p;
  }

  private async sweep(): Promise<void> {
    let ids: string[];
    try {
      ids = await this.inbox.pendingIds(SWEEP_BATCH);
    } catch (e) {
      this.logger.warn({ err: e }, 'could not read the callback inbox; will retry');
      return;
    }
    for (const id of ids) {
      if (this.stopping) return;
      await this.processOne(id);
    }
  }

  async processOne(id: string): Promise<void> {
    try {
      await this.dataSource.transaction(async (m) => {
        const cb = await this.inbox.lock(m, id);
        if (cb) await this.apply(m, cb);
      });
    } catch (e) {
      this.logger.error(
        { err: e, callbackId: id },
        'processing a stored callback failed; it stays in the inbox and is tried again',
      );
      this.metrics.callbacks.inc({ kind: 'unknown', outcome: 'PROCESSING_FAILED' });
      await this.inbox.recordFailure(id, 'internal error while processing; see the service log').catch(() => undefined);
    }
  }

  private async apply(m: EntityManager, cb: StoredCallback): Promise<void> {
    const product = this.products.get(cb.kind);
    const now = this.clock.now();
    let row = await this.repository.lockRow(m, cb.kind, cb.reference);
    const target = row ? { datacenter: row.datacenter, account: row.account } : this.newTarget(cb);
    const reading = this.read(product, cb, target.datacenter);
    if (!row) row = await this.startTracking(m, cb, reading, target, now);
    const accountPatch = this.accountFromCallback(row, cb);

    let writes: { patch: StepWrites['patch']; events: NonNullable<StepWrites['events']> } = { patch: {}, events: [] };
    let outcome: CallbackOutcome;
    if (row.state === 'PURGED') {
      // Its personal data was deleted on purpose: nothing of a later callback is taken back in.
      outcome = 'IGNORED_PURGED';
    } else if (!reading.ok) {
      // An unreadable callback is a callback that could not be processed: unless Jumio's data is already stored,
      // reconciliation starts now, as when a backend reports FAILED, and the Retrieval API fills the view instead.
      if (row.result == null) {
        const t = onCallbackReported(record(row), 'FAILED', cb.receivedAt, now, this.schedule);
        writes = {
          patch: { ...t.patch, lastError: `Jumio's callback could not be read: ${reading.error}` },
          events: t.events,
        };
      }
      outcome = 'MALFORMED';
    } else {
      const t = onCallbackArrived(
        { ...record(row), hasResult: row.result != null },
        reading.verdict,
        cb.receivedAt,
        now,
      );
      const patch: StepWrites['patch'] = { ...t.patch };
      if (t.fill) {
        Object.assign(patch, {
          rawStatus: reading.content.status,
          rawDetails: reading.content.details,
          result: reading.result,
        });
        // What the callback lacks comes from one details call, unless a retrieval already made one or is about to
        // (its status is final: the details call may be in flight right now). Jumio's "details once" comes first;
        // the view then lacks only what Jumio's callback lacks.
        const detailsMayBeInFlight = row.state === 'RECONCILING' && (row.status === 'DONE' || row.status === 'FAILED');
        if (product.callbacks.completion && !detailsMayBeInFlight && !(await this.detailsAlreadyFetched(m, row.id)))
          patch.callbackCompletionPending = true;
      }
      if (row.rawCallback == null) patch.rawCallback = reading.fields;
      writes = { patch, events: t.events };
      outcome = t.fill ? 'APPLIED' : 'ALREADY_STORED';
    }
    if (row.state !== 'PURGED') writes.patch = { ...accountPatch, ...writes.patch };
    await this.repository.writeLocked(m, row, writes, now);
    await this.inbox.markProcessed(m, cb.id, outcome, reading.ok ? null : reading.error, now);
    this.metrics.callbacks.inc({ kind: cb.kind, outcome });
  }

  private async detailsAlreadyFetched(m: EntityManager, transactionId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM jumio_call WHERE transaction_id = $1 AND call_type = 'details' AND http_status = 200 LIMIT 1`,
      [transactionId],
    );
    return rows.length > 0;
  }

  /**
   * A transaction a callback started moves to the data center its backend names (TrackingService.track): the
   * media links read from the callback are rebuilt for that data center, and unless some medium is already
   * stored, the media are listed again there. Nothing changes for a transaction not filled from a callback.
   */
  relinkToDatacenter(row: TrackedTransactionEntity, datacenter: Datacenter, now: Date): RowPatch {
    if (row.rawCallback == null || row.result == null || row.datacenter === datacenter) return {};
    if ((row.mediaPlan ?? []).some((e) => e.outcome === 'STORED')) return {};
    try {
      const content = this.products
        .get(row.kind)
        .callbacks.read(row.rawCallback, { href: (host, path) => this.transport.retrievalUrl(datacenter, host, path) });
      return { rawDetails: content.details, mediaPlan: null, rawMediaList: null, nextAttemptAt: now, lastError: null };
    } catch (e) {
      if (e instanceof JumioPayloadError) return {};
      throw e;
    }
  }

  /** Reads the stored body with the product's reader and normalizer; every problem named, never a value. */
  private read(product: ProductDefinition, cb: StoredCallback, datacenter: Datacenter): Reading {
    if (cb.body === null) return { ok: false, fields: null, error: 'its body was purged before it was processed' };
    const fields = parseCallbackForm(cb.body);
    try {
      const content = product.callbacks.read(fields, {
        href: (host, path) => this.transport.retrievalUrl(datacenter, host, path),
      });
      const verdict = product.normalizer.readStatus(content.status);
      if (!verdict.final || verdict.status === 'PENDING')
        throw new JumioPayloadError(`its status (${printable(verdict.raw)}) is not final`);
      const result = product.normalizer.normalize(content.details, normalizeContextOf(cb.kind, cb.reference));
      return { ok: true, fields, content, verdict: { status: verdict.status, raw: verdict.raw }, result };
    } catch (e) {
      if (e instanceof JumioPayloadError) return { ok: false, fields, error: e.message };
      // Reading is pure: what fails on this body fails on it every time. It is refused like a malformed callback
      // (reconciliation starts, the body is kept for an operator), never retried for ever; the log says why.
      this.logger.error(
        { err: e, callbackId: cb.id, kind: cb.kind },
        'reading a stored callback failed inside the service; it is set aside as MALFORMED',
      );
      return { ok: false, fields, error: `reading it failed inside the service (${describeFailure(e)})` };
    }
  }

  /**
   * Where a callback for a reference nobody tracked belongs: the account its URL names (in the data center its URL
   * or sender suggests, if the account serves it), else the first account of the data center its URL or sender
   * suggests, else of the default data center (calls never mix one data center's host with another's account).
   */
  private newTarget(cb: StoredCallback): { datacenter: Datacenter; account: string } {
    const named = this.accounts.all().filter((a) => a.name === cb.accountHint);
    if (named.length > 0) {
      const pick = named.find((a) => a.datacenter === cb.datacenterHint) ?? named[0];
      return { datacenter: pick.datacenter, account: pick.name };
    }
    const datacenter = cb.datacenterHint ?? this.config.jumio.defaultDatacenter;
    const account = this.accounts.firstOf(datacenter) ?? this.accounts.firstOf(this.config.jumio.defaultDatacenter);
    if (!account) return { datacenter, account: DEFAULT_ACCOUNT };
    if (account.datacenter !== datacenter) {
      this.logger.warn(
        { kind: cb.kind, datacenter },
        `a callback came from ${datacenter}, which has no Jumio account: it is tracked in ${account.datacenter}`,
      );
    }
    return { datacenter: account.datacenter, account: account.name };
  }

  /**
   * A callback URL's `?account=` for a tracked transaction: it replaces an account that was defaulted (if it serves
   * the transaction's data center); one a backend named is kept, and the difference logged.
   */
  private accountFromCallback(row: TrackedTransactionEntity, cb: StoredCallback): RowPatch {
    if (cb.accountHint === null || cb.accountHint === row.account) return {};
    const serves = this.accounts.find({ account: cb.accountHint, datacenter: row.datacenter }) !== undefined;
    if (!row.accountExplicit && serves) return { account: cb.accountHint };
    this.logger.warn(
      { kind: cb.kind, account: row.account, callbackAccount: cb.accountHint, datacenter: row.datacenter },
      row.accountExplicit
        ? "a callback's account differs from the one its backend named; the backend's is kept"
        : "a callback's account does not serve the transaction's data center; its account is kept",
    );
    return {};
  }

  /**
   * A callback for a reference nobody tracked starts tracking it, from the journey's date when the callback gives
   * one (no later than now), with the configured grace: it is then handled like any tracked transaction.
   */
  private async startTracking(
    m: EntityManager,
    cb: StoredCallback,
    reading: Reading,
    target: { datacenter: Datacenter; account: string },
    now: Date,
  ): Promise<TrackedTransactionEntity> {
    const journeyAt = reading.ok ? parseJumioTimestamp(reading.content.journeyAt) : null;
    const acquiredAt = new Date(journeyAt === null ? now.getTime() : Math.min(journeyAt, now.getTime()));
    // What a backend could have sent as these references; anything else (too long, NUL, a lone surrogate) is left out.
    const short = (v: string | null | undefined) =>
      typeof v === 'string' && v !== '' && v.length <= 255 && unstorableJsonReason(v) === null ? v : null;
    const { created, row } = await this.repository.insertIfAbsent(
      newTrackedTransaction({
        kind: cb.kind,
        reference: cb.reference,
        datacenter: target.datacenter,
        account: target.account,
        accountExplicit: false,
        merchantReference: reading.ok ? short(reading.content.merchantReference) : null,
        customerReference: reading.ok ? short(reading.content.customerReference) : null,
        acquiredAt,
        graceSeconds: this.config.reconciler.callbackGraceSeconds,
        deleteAtJumio: this.config.retention.deleteAtJumioAfterRetrieval,
        startedByCallback: true,
      }),
      now,
      m,
    );
    // Inserted in this transaction, the row is ours already; one a backend tracked meanwhile is locked first.
    return created ? row : (await this.repository.lockRow(m, cb.kind, cb.reference))!;
  }
}

/** An internal failure named by its kind only: its message may quote the callback's values. */
function describeFailure(e: unknown): string {
  return e instanceof Error ? e.constructor.name : typeof e;
}

/** A status word as the error may quote it: letters, digits, `_`, `-`, `.`, at most 40 (a callback may send anything). */
function printable(word: string): string {
  return word.replace(/[^\w.-]/g, '?').slice(0, 40);
}
