import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Datacenter } from '../../common/kinds.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Clock } from '../clock/clock.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { JumioAccounts, pairKey, type AccountPair } from './jumio-accounts.js';

export const ACCOUNT_STATES = ['OK', 'CREDENTIALS_REJECTED'] as const;
export type AccountStateName = (typeof ACCOUNT_STATES)[number];

/** An account's state in one data center; `since`: when it last changed (null: never, it has always been OK). */
export interface AccountState {
  state: AccountStateName;
  since: Date | null;
  nextProbeAt: Date | null;
}

const OK: AccountState = { state: 'OK', since: null, nextProbeAt: null };
/** How stale the cached states may be for a reader that does not refresh them itself (a view, a forced reconcile). */
const READ_MAX_AGE_MS = 1000;

/**
 * Which accounts are paused because Jumio rejected their credentials (retrieval-rules.md, "Jumio accounts"), kept
 * in jumio_account_state so that every replica pauses and resumes together, and cached here for the calls and
 * views of this replica (the scheduler refreshes it every tick; readers at most READ_MAX_AGE_MS old).
 *
 * A rejection (401 on any call, 403 on a status call) pauses the pair; while paused, one probe at a time is let
 * through every JUMIO_CREDENTIALS_PROBE_SECONDS (takeProbe), and any other answer to a call sent after the pause
 * began resumes it. Each change is one log line, written by the replica whose update made it, naming the account
 * and the data center, never a credential.
 */
@Injectable()
export class AccountStates implements OnApplicationBootstrap {
  private readonly logger = new Logger('JumioAccounts');
  private states = new Map<string, AccountState>();
  private refreshedAt = -Infinity;
  private refreshing: Promise<void> | null = null;
  private readonly pauseListeners: ((pair: AccountPair) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: JumioAccounts,
    private readonly clock: Clock,
    metrics: EngineMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    metrics.onScrape(async () => {
      await this.refresh();
      for (const a of this.accounts.all()) {
        const paused = this.isPaused({ account: a.name, datacenter: a.datacenter });
        metrics.accountCredentialsRejected.set({ account: a.name, datacenter: a.datacenter }, paused ? 1 : 0);
      }
    });
  }

  /** Start-up stops when an account that still has unfinished transactions is no longer configured. */
  async onApplicationBootstrap(): Promise<void> {
    const rows: { account: string; datacenter: Datacenter; n: string }[] = await this.dataSource.query(
      // Unfinished: something is still scheduled (an index-only scan of tracked_transaction_account_due).
      `SELECT account, datacenter, count(*) AS n FROM tracked_transaction
        WHERE next_attempt_at IS NOT NULL
        GROUP BY account, datacenter`,
    );
    const missing = rows.filter((r) => !this.accounts.find(r));
    if (missing.length === 0) return;
    const lines = missing.map(
      (r) =>
        `JUMIO_ACCOUNTS: the account "${r.account}" of ${r.datacenter} has ${r.n} unfinished transaction(s) but is not configured`,
    );
    if (this.config.sandbox) {
      for (const line of lines) this.logger.warn(`${line}; its calls fail until it is configured again`);
      return;
    }
    throw new Error(`${lines.join('; ')}; configure it again until they are finished`);
  }

  /** Called whenever this replica learns that a pair is paused (its own rejection, or another replica's on refresh). */
  onPaused(listener: (pair: AccountPair) => void): void {
    this.pauseListeners.push(listener);
  }

  stateOf(pair: AccountPair): AccountState {
    return this.states.get(pairKey(pair)) ?? OK;
  }

  isPaused(pair: AccountPair): boolean {
    return this.stateOf(pair).state === 'CREDENTIALS_REJECTED';
  }

  /** The paused pairs, as the cache knows them. */
  pausedPairs(): AccountPair[] {
    return this.accounts
      .all()
      .map((a) => ({ account: a.name, datacenter: a.datacenter }))
      .filter((pair) => this.isPaused(pair));
  }

  /** Reads every account's state from the database (overlapping calls share one read). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Refreshes unless the cache is younger than READ_MAX_AGE_MS; a database that is away leaves the cache as it was. */
  async fresh(): Promise<void> {
    if (performance.now() - this.refreshedAt < READ_MAX_AGE_MS) return;
    await this.refresh().catch(() => undefined);
  }

  /** Jumio rejected the pair's credentials: it pauses on every replica (a no-op when already paused). */
  async markRejected(pair: AccountPair): Promise<void> {
    if (this.isPaused(pair)) return;
    const now = this.clock.now();
    const probeAt = new Date(now.getTime() + this.config.jumio.credentialsProbeSeconds * 1000);
    // Known at once in this replica, before the database has it: calls about to go out wait no more.
    this.states.set(pairKey(pair), { state: 'CREDENTIALS_REJECTED', since: now, nextProbeAt: probeAt });
    this.pausedNow(pair);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO jumio_account_state AS s (account, datacenter, state, since, next_probe_at)
       VALUES ($1, $2, 'CREDENTIALS_REJECTED', $3, $4)
       ON CONFLICT (account, datacenter) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, next_probe_at = EXCLUDED.next_probe_at
        WHERE s.state <> 'CREDENTIALS_REJECTED'
       RETURNING 1`,
      [pair.account, pair.datacenter, now, probeAt],
    );
    if (rows.length > 0) {
      this.logger.error(
        { account: pair.account, datacenter: pair.datacenter, accountState: 'CREDENTIALS_REJECTED' },
        `Jumio rejected the credentials of account ${pair.account} (${pair.datacenter}): its calls are paused, one probe every ${this.config.jumio.credentialsProbeSeconds} s until Jumio accepts them`,
      );
    }
  }

  /**
   * Jumio answered a call of the pair with something other than a rejection: a paused pair resumes, if the call
   * was sent after the pause began (an answer to a call sent before it says nothing about the credentials now).
   */
  async markAccepted(pair: AccountPair, sentAt: Date): Promise<void> {
    if (!this.isPaused(pair)) return;
    const now = this.clock.now();
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE jumio_account_state SET state = 'OK', since = $3, next_probe_at = NULL
        WHERE account = $1 AND datacenter = $2 AND state = 'CREDENTIALS_REJECTED' AND since <= $4
       RETURNING 1`,
      [pair.account, pair.datacenter, now, sentAt],
    );
    if (this.stateOf(pair).since!.getTime() > sentAt.getTime()) return;
    this.states.set(pairKey(pair), { state: 'OK', since: now, nextProbeAt: null });
    if (rows.length > 0) {
      this.logger.log(
        { account: pair.account, datacenter: pair.datacenter, accountState: 'OK' },
        `Jumio accepts the credentials of account ${pair.account} (${pair.datacenter}) again: its calls resume`,
      );
    }
  }

  /**
   * The probe of a paused pair whose probe time has come, for one replica only: true when this caller takes it
   * (the next one is then a probe interval later).
   */
  async takeProbe(pair: AccountPair): Promise<boolean> {
    const state = this.stateOf(pair);
    const now = this.clock.now();
    if (state.state !== 'CREDENTIALS_REJECTED' || (state.nextProbeAt && state.nextProbeAt.getTime() > now.getTime()))
      return false;
    const next = new Date(now.getTime() + this.config.jumio.credentialsProbeSeconds * 1000);
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE jumio_account_state SET next_probe_at = $4
        WHERE account = $1 AND datacenter = $2 AND state = 'CREDENTIALS_REJECTED' AND (next_probe_at IS NULL OR next_probe_at <= $3)
       RETURNING 1`,
      [pair.account, pair.datacenter, now, next],
    );
    if (rows.length > 0) this.states.set(pairKey(pair), { ...state, nextProbeAt: next });
    return rows.length > 0;
  }

  private async read(): Promise<void> {
    const rows: {
      account: string;
      datacenter: Datacenter;
      state: AccountStateName;
      since: Date;
      next_probe_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT account, datacenter, state, since, next_probe_at FROM jumio_account_state`,
    );
    const states = new Map<string, AccountState>();
    for (const r of rows) {
      states.set(pairKey(r), {
        state: r.state,
        since: new Date(r.since),
        nextProbeAt: r.next_probe_at ? new Date(r.next_probe_at) : null,
      });
    }
    const before = this.states;
    this.states = states;
    this.refreshedAt = performance.now();
    for (const [key, state] of states) {
      if (state.state === 'CREDENTIALS_REJECTED' && before.get(key)?.state !== 'CREDENTIALS_REJECTED') {
        const [account, datacenter] = key.split('/') as [string, Datacenter];
        this.pausedNow({ account, datacenter });
      }
    }
  }

  private pausedNow(pair: AccountPair): void {
    for (const listener of this.pauseListeners) listener(pair);
  }
}
