import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { AccountStates } from '../accounts/account-states.js';
import { JumioAccounts, pairKey } from '../accounts/jumio-accounts.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { Clock } from '../clock/clock.js';
import { JumioTransport } from '../jumio-transport/jumio-transport.js';
import { TransactionClaims, type ClaimedTransaction } from '../persistence/transaction-claims.js';
import { TransactionReports } from '../persistence/transaction-reports.js';
import { ReconciliationWorker } from './reconciliation.worker.js';
import { EngineTracing } from '../tracing/engine-tracing.js';

export const REPLICA_ID = Symbol('REPLICA_ID');
const INTERVAL_NAME = 'reconciliation';

/**
 * Every poll interval (@nestjs/schedule), claims as much due work as this replica can run (FOR UPDATE SKIP
 * LOCKED, with a lease) and hands each transaction to the worker. Any number of replicas may run it on one
 * database; a replica that dies holds its claims only until their leases expire.
 */
@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconciliationScheduler.name);
  private readonly active = new Map<Promise<void>, { id: string; owner: string }>();
  private stopping = false;
  private ticking: Promise<number> | null = null;
  private batch = 0;
  private lastDatabaseWarning = 0;
  /** Whether the last claim took as many as it asked for (so more work may be due right now). */
  private lastClaimWasFull = false;

  constructor(
    private readonly claims: TransactionClaims,
    private readonly reports: TransactionReports,
    private readonly worker: ReconciliationWorker,
    private readonly clock: Clock,
    private readonly schedulerRegistry: SchedulerRegistry,
    private readonly transport: JumioTransport,
    private readonly metrics: EngineMetrics,
    private readonly tracing: EngineTracing,
    private readonly accountStates: AccountStates,
    private readonly accounts: JumioAccounts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REPLICA_ID) readonly replicaId: string,
  ) {
    metrics.onScrape(async () => {
      metrics.backlog.reset();
      for (const { kind, state, count } of await this.reports.countByKindAndState())
        metrics.backlog.set({ kind, state }, count);
      const now = this.clock.now();
      metrics.dueNow.set(await this.reports.countDue(now));
      const oldest = await this.reports.oldestOverdue(now);
      metrics.oldestOverdueSeconds.set(oldest ? Math.max(0, (now.getTime() - oldest.dueAt.getTime()) / 1000) : 0);
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.reconciler.enabled) return;
    const handle = setInterval(() => void this.tick(), this.config.reconciler.pollIntervalMs);
    this.schedulerRegistry.addInterval(INTERVAL_NAME, handle);
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Claims and starts due work; returns how many transactions were claimed. Overlapping calls share one run. */
  tick(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    this.ticking ??= this.claimAndStart().finally(() => (this.ticking = null));
    return this.ticking;
  }

  /** Runs until nothing is due at the clock's current time and nothing is in flight (tests drive time with it). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.tick();
      await Promise.all(this.active.keys());
      if (claimed === 0 && this.active.size === 0) return;
    }
  }

  /** Stop claiming, let work in flight finish within the shutdown timeout, then give back what is left. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.transport.stopSending();
    if (this.schedulerRegistry.doesExist('interval', INTERVAL_NAME))
      this.schedulerRegistry.deleteInterval(INTERVAL_NAME);
    await this.ticking;
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.config.server.shutdownTimeoutMs).unref(),
    );
    const finished = await Promise.race([Promise.all(this.active.keys()).then(() => 'done' as const), timeout]);
    if (finished === 'timeout') {
      this.logger.warn(`shutdown timeout: releasing ${this.active.size} claim(s) still in flight`);
      await Promise.all(
        [...this.active.values()].map(({ id, owner }) => this.claims.release(id, owner).catch(() => undefined)),
      );
    }
  }

  /**
   * A backlog drains at the engine's pace, not the poll interval's: once half of this replica's slots are free
   * (and only if the batch just claimed was full, i.e. more may be due), it claims again at once instead of
   * idling until the next tick. Claims stay batched (half the slots at a time), so this adds no query per step.
   */
  private refillWhenHalfEmpty(): void {
    if (!this.config.reconciler.enabled || this.stopping || !this.lastClaimWasFull) return;
    if (this.active.size > this.config.jumio.maxInFlight / 2) return;
    void this.tick();
  }

  /**
   * The probe of each paused account whose probe time has come, if this replica takes it (one replica per probe)
   * and the account has something due; then each account's share of due work, then due work of every account
   * whose credentials are not rejected, by work rank and oldest due (see TransactionClaims). The
   * states are read afresh (another replica may have paused or resumed one), and probes go first so that a
   * backlog of other accounts never crowds them out.
   */
  private async claimWithAccounts(owner: string, capacity: number): Promise<ClaimedTransaction[]> {
    await this.accountStates.refresh();
    const now = this.clock.now();
    const lease = this.config.reconciler.leaseSeconds;
    const paused = this.accountStates.pausedPairs();
    const rows: ClaimedTransaction[] = [];
    for (const pair of paused) {
      if (rows.length >= capacity) break;
      if (!(await this.accountStates.takeProbe(pair))) continue;
      const probe = await this.claims.claimProbe(owner, now, lease, pair);
      if (probe) rows.push(probe);
    }
    const expiredBefore = new Date(now.getTime() - this.config.reconciler.maxAgeDays * 86_400_000);
    // Each account that is not paused first gets its share of the claim (its ceiling is its own), then the rest
    // goes by rank and oldest due across every account.
    const pausedKeys = new Set(paused.map(pairKey));
    const active = this.accounts
      .all()
      .map((a) => ({ account: a.name, datacenter: a.datacenter }))
      .filter((p) => !pausedKeys.has(pairKey(p)));
    const shareLeft = capacity - rows.length;
    if (active.length > 1 && shareLeft > 0)
      rows.push(
        ...(await this.claims.claimPairs(owner, now, shareLeft, lease, active, Math.ceil(shareLeft / active.length))),
      );
    const left = capacity - rows.length;
    const due = left > 0 ? await this.claims.claimDue(owner, now, left, lease, { pairs: paused, expiredBefore }) : [];
    this.lastClaimWasFull = rows.length + due.length === capacity;
    return [...rows, ...due];
  }

  private async claimAndStart(): Promise<number> {
    const capacity = this.config.jumio.maxInFlight - this.active.size;
    // Busy is working: the heartbeat that says a replica reconciles (alerts watch it across replicas).
    if (capacity <= 0) return (this.metrics.reconcilerLastClaim.setToCurrentTime(), 0);
    const owner = `${this.replicaId}/${++this.batch}`;
    const claimStarted = Date.now();
    let rows: ClaimedTransaction[];
    try {
      rows = await this.claimWithAccounts(owner, capacity);
      this.metrics.reconcilerLastClaim.setToCurrentTime();
    } catch (e) {
      // The database is away: keep the process up and try again next tick (logged at most every 30 s).
      if (Date.now() - this.lastDatabaseWarning > 30_000) {
        this.lastDatabaseWarning = Date.now();
        this.logger.warn({ err: e }, 'could not claim due work; will retry');
      }
      return 0;
    }
    if (rows.length === 0) return 0;
    // Only a claim that took something is traced (a trace per idle poll would be noise): the root of the trace of
    // each step it starts, linked to the requests that tracked them.
    const attributes = { 'jumio_fallback.claimed': rows.length, 'jumio_fallback.capacity': capacity };
    const links = rows.map((row) => row.startedByTrace);
    await this.tracing.inSpan('reconciliation.claim', attributes, async () => this.start(rows, owner), {
      newTrace: true,
      startTime: claimStarted,
      links,
    });
    return rows.length;
  }

  private start(rows: ClaimedTransaction[], owner: string): void {
    for (const row of rows) {
      const run: Promise<void> = this.worker
        .process(row, owner, () => this.stopping)
        .finally(() => {
          this.active.delete(run);
          this.refillWhenHalfEmpty();
        });
      this.active.set(run, { id: row.id, owner });
    }
  }
}

export function defaultReplicaId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
