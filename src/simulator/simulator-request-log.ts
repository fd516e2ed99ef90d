import type { RequestFilter, SimulatorRequest } from './simulator-types.js';

/** The log keeps this many newest requests by default; a long soak must not grow the rig's memory without bound. */
export const MAX_LOGGED_REQUESTS = 200_000;

/** Every call on a Jumio path (control calls are not logged), oldest first, trimmed to the newest `max`. */
export class RequestLog {
  private entries: SimulatorRequest[] = [];
  private seq = 0;
  /** Trimming in batches keeps appends O(1) amortised instead of shifting 200k entries per request. */
  private readonly trimSlack: number;

  constructor(private readonly max: number) {
    this.trimSlack = Math.max(1, Math.floor(max / 20));
  }

  /** The next request's `seq`; it keeps counting across clear(). */
  nextSeq(): number {
    return ++this.seq;
  }

  record(entry: SimulatorRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.max + this.trimSlack) this.entries.splice(0, this.entries.length - this.max);
  }

  /** Copies of the matching entries, so that callers cannot change the log. */
  query(filter: RequestFilter = {}): SimulatorRequest[] {
    const start = Math.max(0, this.entries.length - this.max);
    const out: SimulatorRequest[] = [];
    for (let i = start; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (filter.reference !== undefined && e.reference !== filter.reference) continue;
      if (filter.since !== undefined && e.at < filter.since) continue;
      if (filter.endpoint !== undefined && filter.endpoint !== 'any' && e.endpoint !== filter.endpoint) continue;
      out.push({ ...e, query: { ...e.query } });
    }
    return out;
  }

  clear(): void {
    this.entries = [];
  }
}
