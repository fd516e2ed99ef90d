import { Injectable } from '@nestjs/common';
import { StepSaves, type ComposedStep, type StepSave } from './step-saves.js';

/**
 * Group sizes: a group is cut into these (largest first), so each shape has a handful of statement texts, each
 * prepared once per connection, rather than one per count.
 */
const GROUP_SIZES = [32, 16, 8, 4, 2, 1];

interface Pending {
  step: ComposedStep;
  resolve: (matched: boolean) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for the reconciler's saves. Each step's save is one statement already (applyStep); with many
 * transactions in flight, the saves of the same shape that become ready in the same turn of the event loop (the
 * first saves of a freshly claimed batch, answers that arrived together) are written as one prepared statement,
 * so one round trip and one commit (one WAL flush) instead of one each. Every save keeps its own fence: a save
 * whose claim is lost still answers false on its own, whatever the others do.
 *
 * A group is all or nothing, so when it fails its saves are retried one by one: a save that cannot be written
 * (a bug, a constraint) fails alone, with its own error, and the others are written as if never grouped. A save
 * with media goes alone: its bytes make the statement large, and it is rare next to status and details saves.
 * The wait is at most one turn of the event loop (setImmediate): a lone save is not delayed for company.
 */
@Injectable()
export class GroupedStepWriter {
  private pending: Pending[] = [];
  private flushScheduled = false;

  constructor(private readonly saves: StepSaves) {}

  /** Resolves to whether the claim still held (the save was written), like applyStep. */
  save(save: StepSave): Promise<boolean> {
    if (save.writes.media?.length)
      return this.saves.applyStep(save.id, save.owner, save.writes, save.now, save.leaseSeconds);
    const step = this.saves.composeStep(save);
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ step, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const byShape = new Map<string, Pending[]>();
    for (const p of this.pending) {
      const same = byShape.get(p.step.sql);
      if (same) same.push(p);
      else byShape.set(p.step.sql, [p]);
    }
    this.pending = [];
    for (const same of byShape.values()) {
      let at = 0;
      for (const size of GROUP_SIZES) {
        while (same.length - at >= size) {
          void this.write(same.slice(at, at + size));
          at += size;
        }
      }
    }
  }

  private async write(group: Pending[]): Promise<void> {
    if (group.length === 1) return this.writeAlone(group[0]);
    let matched: boolean[];
    try {
      matched = await this.saves.applySteps(group.map((g) => g.step));
    } catch {
      // Nothing of the group was written: each save is tried alone, so only a save that fails alone fails.
      await Promise.all(group.map((g) => this.writeAlone(g)));
      return;
    }
    group.forEach((g, i) => g.resolve(matched[i]));
  }

  private async writeAlone({ step, resolve, reject }: Pending): Promise<void> {
    try {
      resolve((await this.saves.applySteps([step]))[0]);
    } catch (e) {
      reject(e);
    }
  }
}
