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
import { CallbackInbox } from '../callbacks/callback-inbox.js';
import { Clock } from '../clock/clock.js';
import { onPersonalDataPurged } from '../domain/tracking-state-machine.js';
import { PersonalDataPurge } from './personal-data-purge.js';

const INTERVAL_NAME = 'personal-data-retention';
/** How often each replica looks for expired personal data (replicas share the work through SKIP LOCKED). */
export const RETENTION_INTERVAL_MS = 10 * 60_000;
/** Rows per database transaction: a batch never locks more than this many rows. */
export const RETENTION_BATCH_SIZE = 200;
/** Batches per run, so one run stays short; whatever is left waits for the next run. */
export const RETENTION_MAX_BATCHES = 50;

/**
 * PERSONAL_DATA_RETENTION_DAYS: personal data (Jumio's payloads, the result, the media) older than that is
 * purged as an admin's DELETE .../personal-data would (state PURGED, event PERSONAL_DATA_PURGED). The age counts
 * from when the first personal data was stored (personal_data_at): that is the data's age, and it also covers
 * a transaction that got its details but never reached RETRIEVED (EXHAUSTED while media kept failing), which
 * measuring from retrieved_at would keep for ever. Transactions that never held personal data are left alone.
 * 0 disables it. Time is the engine's clock, so tests drive it with purgeExpired().
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private running: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly personalData: PersonalDataPurge,
    private readonly callbacks: CallbackInbox,
    private readonly clock: Clock,
    private readonly schedulerRegistry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.retention.personalDataDays > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    const handle = setInterval(
      () => void this.purgeExpired().catch((e) => this.logger.warn({ err: e }, 'retention run failed; will retry')),
      RETENTION_INTERVAL_MS,
    );
    handle.unref();
    this.schedulerRegistry.addInterval(INTERVAL_NAME, handle);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.schedulerRegistry.doesExist('interval', INTERVAL_NAME))
      this.schedulerRegistry.deleteInterval(INTERVAL_NAME);
    await this.running?.catch(() => undefined);
  }

  /**
   * Purges, batch by batch, every transaction whose personal data is older than the retention age at the
   * clock's time; returns how many were purged. Overlapping calls share one run. 0 days: nothing happens.
   */
  purgeExpired(options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
    if (!this.enabled) return Promise.resolve(0);
    this.running ??= this.run(
      options.batchSize ?? RETENTION_BATCH_SIZE,
      options.maxBatches ?? RETENTION_MAX_BATCHES,
    ).finally(() => (this.running = null));
    return this.running;
  }

  private async run(batchSize: number, maxBatches: number): Promise<number> {
    let purged = 0;
    for (let batch = 0; batch < maxBatches && !this.stopping; batch++) {
      const now = this.clock.now();
      const cutoff = new Date(now.getTime() - this.config.retention.personalDataDays * 86_400_000);
      const n = await this.personalData.purgeExpiredBatch(cutoff, batchSize, now, (row) =>
        onPersonalDataPurged(row, now),
      );
      purged += n;
      if (n < batchSize) break;
    }
    if (purged > 0) this.logger.log(`retention: purged the personal data of ${purged} transaction(s)`);
    // The callback inbox ages out the same way, bodies still held (unreadable ones) and bookkeeping alike.
    const cutoff = new Date(this.clock.now().getTime() - this.config.retention.personalDataDays * 86_400_000);
    const deleted = await this.callbacks.deleteReceivedBefore(cutoff);
    if (deleted > 0) this.logger.log(`retention: deleted ${deleted} stored callback(s)`);
    return purged;
  }
}
