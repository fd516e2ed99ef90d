import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EventType } from '../domain/tracking-state-machine.js';
import { MediaStore, type MediaToInsert, type MediumToStore } from '../media/media-store.js';
import { queryPrepared } from '../sql/sql-results.js';
import { SqlParams } from '../sql/sql-set-builder.js';
import { AttemptLog, type JumioCallRecord } from './attempt-log.js';
import { insertChangeEventsSql } from './change-event-writer.js';
import { TransactionRowCodec, type EncodedPatch, type TransactionPatch } from './transaction-row-codec.js';

/** Everything a reconciliation step may write besides the state machine's patch. */
export interface StepWrites {
  patch: TransactionPatch;
  events?: EventType[];
  calls?: JumioCallRecord[];
  media?: { name: string; medium: MediumToStore }[];
  /** Keep the claim (more steps follow) or give the transaction back. */
  keepLease: boolean;
}

/** One claim's save: what applyStep writes, fenced by `owner`'s lease on transaction `id`. */
export interface StepSave {
  id: string;
  owner: string;
  writes: StepWrites;
  now: Date;
  leaseSeconds: number;
}

/** A save with its personal data encrypted: the statement is composed from it without encrypting again. */
export interface EncodedSave {
  id: string;
  owner: string;
  now: Date;
  leaseSeconds: number;
  keepLease: boolean;
  patch: EncodedPatch;
  calls: JumioCallRecord[];
  media: MediaToInsert | null;
  events: EventType[];
}

/** A save composed but not run (StepSaves.composeStep). */
export interface ComposedStep {
  /** The save's statement alone; saves of the same shape have the same text, and only they can be grouped. */
  sql: string;
  values: unknown[];
  save: EncodedSave;
}

/**
 * The reconciler's saves, each fenced by its claim: a save lands only while the step's claim still owns the
 * row, so a replica whose lease expired and was taken over can never overwrite its successor's work.
 */
@Injectable()
export class StepSaves {
  /** Statements of groups (applySteps) by count and shape. */
  private readonly groupTexts = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly codec: TransactionRowCodec,
    private readonly attemptLog: AttemptLog,
    private readonly mediaStore: MediaStore,
  ) {}

  /**
   * Applies one step's writes if `owner` still holds the claim; the calls are logged either way. The claim's
   * last write (keepLease false) also settles a forced attempt that arrived while the claim ran: while the
   * transaction still has a next step, that step is brought forward to the forced time, and the force stays on
   * the row for the next claim (whose calls carry its actor); when nothing is scheduled any more, it is dropped.
   *
   * One statement, so one round trip and one implicit transaction: the fenced UPDATE (u), the calls (logged
   * whether u matched or not), and the media and events, which read u and so are written only when it matched.
   * The sub-statements see one snapshot and none reads another's writes, except through u's RETURNING.
   */
  async applyStep(id: string, owner: string, writes: StepWrites, now: Date, leaseSeconds: number): Promise<boolean> {
    const [matched] = await this.applySteps([this.composeStep({ id, owner, writes, now, leaseSeconds })]);
    return matched;
  }

  /**
   * A save's statement, not yet run, and its values. Personal data is encrypted here, once. Saves of the same
   * shape (the same columns, lease choice and numbers of calls, media and events) have the same `sql`.
   */
  composeStep({ id, owner, writes, now, leaseSeconds }: StepSave): ComposedStep {
    const patch = this.codec.encode(writes.patch, { personalData: (writes.media?.length ?? 0) > 0, id });
    const save: EncodedSave = {
      id,
      owner,
      now,
      leaseSeconds,
      keepLease: writes.keepLease,
      patch,
      calls: writes.calls ?? [],
      media: writes.media?.length ? this.mediaStore.prepare(id, writes.media) : null,
      events: writes.events ?? [],
    };
    const p = new SqlParams();
    return { sql: this.statement([save], p), values: p.values, save };
  }

  /**
   * Saves of the same shape (composeStep's `sql`) in one statement, so one round trip and one commit: each is
   * fenced by its own claim exactly as alone, and the answer says, in order, which matched. All of them or none
   * are written. The statement's text depends only on the shape and the number of saves, so it is prepared.
   */
  async applySteps(steps: ComposedStep[]): Promise<boolean[]> {
    if (steps.length === 0) return [];
    const shape = steps[0].sql;
    if (steps.some((s) => s.sql !== shape)) throw new Error('applySteps: saves of different shapes');
    const text = steps.length === 1 ? shape : this.groupText(steps);
    const values = steps.length === 1 ? steps[0].values : steps.flatMap((s) => s.values);
    const rows = await queryPrepared<{ matched: boolean[] }>(this.dataSource, text, values);
    return rows[0].matched;
  }

  /**
   * The statement of a group, composed once per shape and count (the shapes are few): its values are the saves'
   * own values one after another, which is the order in which composing the group adds them.
   */
  private groupText(steps: ComposedStep[]): string {
    const key = `${steps.length}\u0001${steps[0].sql}`;
    let text = this.groupTexts.get(key);
    if (text === undefined) {
      text = this.statement(
        steps.map((s) => s.save),
        new SqlParams(),
      );
      // A bound, not an eviction policy: the shapes a service writes are a few dozen.
      if (this.groupTexts.size >= 1000) this.groupTexts.clear();
      this.groupTexts.set(key, text);
    }
    return text;
  }

  /**
   * One WITH statement for `saves`, their values added to `p` save after save; it answers which fenced updates
   * matched. Alone, a save's parts are named u, c, m, e; in a group, they carry the save's position (u0, u1, ...).
   */
  private statement(saves: EncodedSave[], p: SqlParams): string {
    const tag = (i: number) => (saves.length === 1 ? '' : String(i));
    const parts = saves.flatMap((save, i) => this.parts(save, tag(i), p));
    const matched = saves.map((_, i) => `EXISTS (SELECT 1 FROM u${tag(i)})`);
    return `WITH ${parts.join(',\n')}\nSELECT ARRAY[${matched.join(', ')}] AS matched`;
  }

  /** One save's parts of a WITH statement, their names suffixed with `tag` (`u<tag>` is the fenced update). */
  private parts(save: EncodedSave, tag: string, p: SqlParams): string[] {
    const { id, owner, now, leaseSeconds } = save;
    const sets = this.codec.sets(save.patch, now, p);
    if (save.keepLease) {
      sets.push(`lease_expires_at = clock_timestamp() + make_interval(secs => ${Number(leaseSeconds)})`);
    } else {
      const next = sets.take('next_attempt_at') ?? 'next_attempt_at';
      const retryAfter = sets.peek('retry_after_until') ?? 'retry_after_until';
      const forcedNext = `forced_by IS NOT NULL AND ${next} IS NOT NULL`;
      sets.push(
        `next_attempt_at = CASE WHEN ${forcedNext} THEN LEAST(${next}, GREATEST(forced_at, ${retryAfter})) ELSE ${next} END`,
        `forced_at = CASE WHEN ${forcedNext} THEN forced_at ELSE NULL END`,
        `forced_by = CASE WHEN ${next} IS NULL THEN NULL ELSE forced_by END`,
        'lease_owner = NULL, lease_expires_at = NULL',
      );
    }
    const u = `u${tag}`;
    const parts = [
      `${u} AS (UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ${p.add(id, '::bigint')} AND lease_owner = ${p.add(owner, '::text')} RETURNING id, kind, reference)`,
    ];
    if (save.calls.length) parts.push(`c${tag} AS (${this.attemptLog.insertSql(id, save.calls, p)})`);
    if (save.media) parts.push(`m${tag} AS (${this.mediaStore.insertFromSql(u, save.media, now, p)})`);
    if (save.events.length) parts.push(`e${tag} AS (${insertChangeEventsSql(u, save.events, now, p)})`);
    return parts;
  }
}
