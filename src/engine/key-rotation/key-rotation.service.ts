import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { Clock } from '../clock/clock.js';
import { DataCipher } from '../crypto/data-cipher.js';
import { EngineMetrics } from '../metrics/engine-metrics.js';
import { countValuesByKeyId, ENCRYPTED_PLACES, storedKeyIds } from './encrypted-places.js';

const INTERVAL_NAME = 'key-rotation';
/** An arbitrary, fixed advisory-lock key: one replica at a time re-encrypts (the others' batches find it taken). */
export const KEY_ROTATION_LOCK_KEY = 716_204_114;
/**
 * How long the counts per key are reused (the stats, each replica's /metrics scrape, the operators' page every 10 s):
 * counting reads every key-id index entry, about 0.1 s per million values. This replica's own batches refresh them.
 */
const COUNTS_MAX_AGE_MS = 10_000;
/** PostgreSQL's undefined_column and undefined_table: a schema older than the key-id columns. */
const SCHEMA_NOT_MIGRATED = new Set(['42703', '42P01']);

/** Start-up refused: stored values name keys DATA_ENCRYPTION_KEYS does not hold. The message is the one line. */
export class MissingDataKeyError extends Error {
  constructor(readonly missing: { keyId: string; values: number }[]) {
    const keys = missing.map(
      ({ keyId, values }) => `"${keyId}" (${values} stored ${values === 1 ? 'value' : 'values'})`,
    );
    super(
      `DATA_ENCRYPTION_KEYS lacks ${missing.length === 1 ? 'key' : 'keys'} ${keys.join(', ')} still encrypting stored data; ` +
        'put it back after the active key, and drop it only once GET /v1/admin/stats shows 0 for it in encryption.valuesByKeyId',
    );
    this.name = 'MissingDataKeyError';
  }
}

/** What one batch did. */
export interface RotationBatch {
  /** Values written under the active key. */
  reencrypted: number;
  /** Another replica holds the job: this one did nothing. */
  busy: boolean;
}

/**
 * Key rotation. With a new key first in DATA_ENCRYPTION_KEYS, every value an older key encrypts is decrypted and
 * encrypted again under the active key, batch by batch (KEY_ROTATION_BATCH_SIZE values, a tenth as many media and at most 16 MiB of them,
 * each KEY_ROTATION_INTERVAL_MS), on the replicas that run background work, one at a time (a transaction-level
 * advisory lock). A batch is one transaction: its values are locked (FOR UPDATE SKIP LOCKED), re-encrypted and
 * written back, so a crash loses nothing and leaves nothing half-done; the next batch, on any replica, starts
 * from what the key-id columns say. A reconciliation step saving the same row meanwhile waits for the batch's
 * commit and writes fresh values of its own (a re-encryption changes no plaintext, so nothing it read is stale).
 *
 * Start-up (onModuleInit, after the migrations, before anything is served or scheduled) is refused when a stored
 * value names a key DATA_ENCRYPTION_KEYS does not hold.
 */
@Injectable()
export class KeyRotation implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KeyRotation.name);
  private running: Promise<RotationBatch> | null = null;
  private stopping = false;
  /** Values that could not be decrypted (a tampered one): left alone for the life of this process. */
  private readonly unreadable = new Map<string, Set<string>>(ENCRYPTED_PLACES.map((p) => [p.name, new Set()]));
  /** Whether the last batch had work, to log the start and the end of a rotation once each. */
  private working = false;
  private counted: { at: number; counts: Promise<Map<string, number>> } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: DataCipher,
    private readonly schedulerRegistry: SchedulerRegistry,
    private readonly clock: Clock,
    metrics: EngineMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    metrics.onScrape(async () => {
      metrics.encryptedValues.reset();
      for (const [keyId, n] of Object.entries(await this.valuesByKeyId()))
        metrics.encryptedValues.set({ key_id: keyId }, n);
    });
  }

  async onModuleInit(): Promise<void> {
    await this.checkKeysCoverStoredValues();
  }

  onApplicationBootstrap(): void {
    if (!this.config.reconciler.enabled) return;
    const handle = setInterval(
      () => void this.runBatch().catch((e) => this.logger.warn({ err: e }, 're-encryption batch failed; will retry')),
      this.config.security.keyRotation.intervalMs,
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

  /** Throws MissingDataKeyError when a stored value names a key DATA_ENCRYPTION_KEYS does not hold. */
  async checkKeysCoverStoredValues(): Promise<void> {
    let stored: string[];
    try {
      stored = await storedKeyIds(this.dataSource);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code && SCHEMA_NOT_MIGRATED.has(code)) {
        this.logger.warn(
          'the key-id columns are not migrated yet: stored keys not checked (readiness waits for migrations)',
        );
        return;
      }
      throw e;
    }
    const missing = stored.filter((id) => !this.cipher.hasKey(id));
    if (missing.length === 0) return;
    const counts = await countValuesByKeyId(this.dataSource, missing);
    throw new MissingDataKeyError(missing.map((keyId) => ({ keyId, values: counts.get(keyId) ?? 0 })));
  }

  /**
   * Every configured key (0 when it encrypts nothing) and any other key stored values name, with their counts, at
   * most COUNTS_MAX_AGE_MS old.
   */
  async valuesByKeyId(): Promise<Record<string, number>> {
    const now = this.clock.now().getTime();
    if (!this.counted || now - this.counted.at >= COUNTS_MAX_AGE_MS || now < this.counted.at) {
      const counting = countValuesByKeyId(this.dataSource);
      this.counted = { at: now, counts: counting };
      counting.catch(() => {
        if (this.counted?.counts === counting) this.counted = null;
      });
    }
    const counts = await this.counted.counts;
    const byKey: Record<string, number> = {};
    for (const id of this.cipher.keyIds) byKey[id] = counts.get(id) ?? 0;
    for (const [id, n] of counts) byKey[id] ??= n;
    return byKey;
  }

  /**
   * One batch: at most `limit` values (a tenth as many media) under older keys re-encrypted under the active key,
   * in one transaction. Overlapping calls share one batch.
   */
  runBatch(limit = this.config.security.keyRotation.batchSize): Promise<RotationBatch> {
    if (this.stopping) return Promise.resolve({ reencrypted: 0, busy: false });
    this.running ??= this.batch(limit).finally(() => (this.running = null));
    return this.running;
  }

  /** Batches until nothing under an older key is left that this replica can re-encrypt (tests; the interval paces itself). */
  async drain(limit?: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { reencrypted } = await this.runBatch(limit);
      if (reencrypted === 0) return total;
      total += reencrypted;
    }
  }

  private async batch(limit: number): Promise<RotationBatch> {
    const active = this.cipher.activeKeyId;
    const result = await this.dataSource.transaction(async (m) => {
      const [{ locked }] = (await m.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        KEY_ROTATION_LOCK_KEY,
      ])) as {
        locked: boolean;
      }[];
      if (!locked) return { reencrypted: 0, busy: true, stale: [] as string[] };
      // Keys this deployment cannot read are left as they are (start-up refuses them; the stats show them).
      const stale = (await storedKeyIds(m)).filter((id) => id !== active && this.cipher.hasKey(id));
      let left = limit;
      let reencrypted = 0;
      for (const place of ENCRYPTED_PLACES) {
        if (stale.length === 0 || left <= 0) break;
        const skip = this.unreadable.get(place.name)!;
        const take = place.large ? Math.max(1, Math.floor(left / 10)) : left;
        const { written, unreadable } = await place.reencrypt(m, this.cipher, stale, take, skip);
        for (const id of unreadable) skip.add(id);
        if (unreadable.length > 0)
          this.logger.error(
            `re-encryption: ${unreadable.length} value(s) of ${place.name} cannot be decrypted and are left as they are`,
          );
        reencrypted += written;
        left -= place.large ? written * 10 : written;
      }
      return { reencrypted, busy: false, stale };
    });
    if (result.reencrypted > 0 && !this.working)
      this.logger.log(`re-encrypting values under ${result.stale.join(', ')} with the active key ${active}`);
    if (result.reencrypted === 0 && !result.busy && this.working)
      this.logger.log(`re-encryption done: every readable value is under the active key ${active}`);
    if (!result.busy) this.working = result.reencrypted > 0;
    if (result.reencrypted > 0) this.counted = null;
    return { reencrypted: result.reencrypted, busy: result.busy };
  }
}
